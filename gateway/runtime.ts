import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from './events';
import type { Logger } from './log';
import type { ApprovalOutcome } from './core/approvals/approval-view';
import type { Decision, EndpointKind, InferenceRequest, MaskReportEntry, Principal } from './core/types';
import type { GatehouseError } from './errors';
import type { CompiledPolicy } from './core/policy/compiled-policy';
import type { Cost } from './core/usage/pricing';
import type { Usage } from './core/usage/usage';
import type { BudgetReservation } from './core/usage/budget';
import type { AddedWindows, Admitted } from './state/counter-store';
import type { GatehouseConfig } from './generated/gatehouse.config';
import type { AuditRecord } from './generated/audit-record';
import type { AuditQuery } from './audit/record-index';
import type { Tracing } from './telemetry/tracing';
import type { Approval, ApprovalState, ApprovalVerdict, Grant, ReloadResult, VerifyReport } from './core/admin-api';
import type { ByteParts } from './core/byte-parts';

/**
 * The services a running gateway is made of. `createGateway()` builds one Runtime and hands it
 * to every pipeline stage and admin route; tests build their own with real parts on port 0.
 * Each service is owned by one area and lives in its own folder; this file only names the seams.
 */
export interface Runtime {
  config: GatehouseConfig;
  /** Absolute data directory (audit log, keys, admin token). */
  dataDir: string;
  /** Folder relative paths in the config are resolved against. */
  configDir: string;
  log: Logger;
  events: EventBus;
  identity: IdentityService;
  policy: PolicyService;
  masking: MaskingService;
  usage: UsageService;
  budgets: BudgetService;
  audit: AuditService;
  approvals: ApprovalService;
  /** Verifies approver/admin tokens on the admin API (config approvals.approverIdentity); absent: local admin token only. */
  approverIdentity?: IdentityService;
  /** Request traces (telemetry.otlp), for the writes outside the stages (the outcome record); absent when off. */
  tracing?: Tracing;
}

/**
 * The request record as services read it (the audit's input): the pipeline's Exchange
 * (pipeline/exchange.ts, where each field is described) is the one implementation, and only the
 * pipeline's stages write it. Read-only here: a service returns what it makes.
 */
export interface ExchangeRecord {
  readonly id: string;
  readonly req: IncomingMessage;
  readonly receivedAt: number;
  readonly startNs: bigint;
  readonly path?: string;
  readonly clientAddress?: string;
  readonly principal?: Principal;
  readonly request?: InferenceRequest;
  readonly decision?: Decision;
  readonly body?: Buffer;
  readonly auditRequestBody?: unknown;
  readonly auditRequestJson?: Buffer;
  readonly maskReport: MaskReportEntry[];
  readonly approval?: ApprovalOutcome;
  readonly outcome: Readonly<ExchangeOutcome>;
}

/** How the request ended, as its outcome record tells it (written by the pipeline's stages and response stages). */
export interface ExchangeOutcome {
  status?: number;
  errorCode?: string;
  /** The error's machine-readable details (e.g. the rejected token's hash, the deny rule): for audit, never secrets. */
  errorDetails?: Record<string, unknown>;
  /** ms from arrival to the first response byte sent to the client. */
  firstByteMs?: number;
  responseBytes: number;
  /**
   * Bytes of the response body the client's connection accepted (each write's callback returned
   * without error: handed to the kernel). Counted by the forwarder; what the outcome record reports
   * when the response did not end whole (client abort, upstream reset).
   */
  deliveredBytes?: number;
  /** SHA-256 hex of the response body as sent, when the forwarder computed it (audit). */
  responseSha256?: string;
  clientAborted: boolean;
  upstreamError?: string;
  /** Tokens of the exchange, reported by the upstream or counted by the gateway (settled once, before the outcome record). */
  usage?: Usage;
  /** What the usage cost at the configured price; absent when no price matches. */
  cost?: Cost;
  /** Masked response body for the audit record (bounded). */
  auditResponseBody?: unknown;
  /** auditResponseBody's JSON text, when masking made it already (it is what the client got): the outcome record embeds these bytes. */
  auditResponseJson?: Buffer;
  responseTruncated?: boolean;
}

/** gateway/identity/ — verifies bearer tokens, maps claims to a Principal. */
export interface IdentityService {
  /** Throws GatehouseError 401 (with WWW-Authenticate) on any failure. Sync on a cache hit. */
  verify(authorization: string | undefined): Principal | Promise<Principal>;
  close(): Promise<void>;
}

/** gateway/policy/ — holds the compiled policy snapshot; hot reload swaps it atomically. */
export interface PolicyService {
  /** Content hash of the running policy. */
  readonly version: string;
  /** The running snapshot (admin GET /admin/policy, decision preview, masking's compiled rules in `.masking`). */
  readonly compiled?: CompiledPolicy;
  /** Policy files the running snapshot came from (empty for the embedded default). */
  readonly files?: readonly string[];
  decide(principal: Principal, request: InferenceRequest): Decision;
  /**
   * Enforces a decision's rate and concurrency limits; returns a release function for concurrency.
   * Throws 429; a promise when the counters are shared (rejects 503 ERR_STATE_UNAVAILABLE when
   * their store does not answer). Sync, and free, for a decision without limits.
   */
  admit(principal: Principal, decision: Decision): (() => void) | Promise<() => void>;
  /**
   * The same, with `budgets`' windows in the same admission: one round trip to shared counters
   * for all of the request's limits, all or nothing. Returns the release and what `budgets` made
   * of its charges (the reservation); throws the refusal of whichever limit refused first
   * (concurrency, then the rate window, then the budget lines in order).
   */
  admitWith<T>(principal: Principal, decision: Decision, budgets: AddedWindows<T> | undefined): Admitted<T> | Promise<Admitted<T>>;
  /** Admin API POST /admin/policy/reload (the contract's ReloadResult). */
  reload(): Promise<ReloadResult>;
  close(): Promise<void>;
}

/** gateway/masking/ — applies the decision's masking rules to bodies and streams. Returns what it made; the pipeline's stages put it on the exchange. */
export interface MaskingService {
  /** Masks the request body for the audit (always) and for the upstream (where rules say so). */
  maskRequest(request: MaskingInput & { body?: Buffer; json?: unknown }): RequestMasking;
  /** A transform for the response body toward the client, keeping the audit copy; null when nothing applies to this content type. */
  responseMasker(request: MaskingInput, contentType: string | undefined): ResponseMasker | null;
}

/** Which masking rules apply: the decision's (`decision.masks`); undefined (no decision) applies every rule — fail closed. */
export interface MaskingInput {
  masks: readonly string[] | undefined;
}

export interface RequestMasking {
  /** What the audit log stores of the request body: always masked. */
  auditBody: unknown;
  /** The body to send upstream, when a rule rewrote it. */
  upstreamBody?: Buffer;
  /** `auditBody`'s JSON text, when it was made already (it is `upstreamBody`): `Buffer.from(JSON.stringify(auditBody))` exactly. */
  auditJson?: Buffer;
  /** Rule, detector, path and count of each masking (never the value). */
  report: MaskReportEntry[];
}

/** gateway/usage/ — token usage and cost of each exchange (issue 21). Takes inputs, returns values; stages write the exchange. */
export interface UsageService {
  /**
   * Request side: the body to send instead, asking an OpenAI chat/completions stream for its usage
   * when the caller did not (config usage.includeStreamUsage); undefined to send it as it is.
   */
  askStreamUsage(request: InferenceRequest, json: unknown, body: ByteParts | undefined): ByteParts | undefined;
  /**
   * Response side: a reader of the body on its way to the client (before masking), taking out what
   * askStreamUsage added when `asked`; null when the answer carries no usage.
   */
  responseTap(request: InferenceRequest | undefined, head: { status: number; contentType: string | undefined }, asked: boolean): UsageTap | null;
  /**
   * Once per exchange, before its outcome record: the usage (reported, or counted where the
   * upstream said nothing) and its cost; counts both in the metrics.
   */
  settle(ended: { request?: InferenceRequest; status?: number; tap?: UsageTap; auditResponseBody?: unknown }): { usage?: Usage; cost?: Cost };
}

/** The response body on its way to the client, read for usage (and stripped of what the gateway asked for). */
export interface UsageTap {
  /** True when it takes the gateway's own usage request back out of the bytes (the client then gets no Content-Length). */
  readonly rewrites: boolean;
  /** The bytes to send on for this chunk (the chunk itself unless the gateway's own usage request is taken out). */
  push(chunk: Buffer): Buffer;
  /** Whatever was held back, at the end of the body. */
  end(): Buffer;
  /** The usage the answer reported so far (`final` once its closing usage came) and, for a stream, the model it says answered. */
  reported(): { usage?: Usage; final: boolean; stream: boolean; model?: string };
  /** A stream's generated text so far, and the factor a count of it scales by (read only to estimate). */
  outputText(): { text: string; scale: number };
}

/** gateway/usage/budget-service.ts — token and spend budgets of the policy's limits (issue 21). */
export interface BudgetService {
  /**
   * The windows the request's budgets ask for, to be admitted with its rate limit and slot in one
   * step (PolicyService.admitWith). undefined: no budget applies. Throws 403 for a spend limit without a price.
   */
  plan(principal: Principal, decision: Decision, request: InferenceRequest): AddedWindows<BudgetReservation> | undefined;
  /** Reserves the request's prompt and max_tokens in each budget it counts against, alone (after an approval); throws 429 (or 403 for a spend limit without a price). undefined: no budget applies. */
  reserve(principal: Principal, decision: Decision, request: InferenceRequest): BudgetReservation | undefined | Promise<BudgetReservation>;
  /** Settles a reservation with what the exchange used (nothing: all of it goes back); resolves once the counters have it (never rejects: a store that cannot be reached is logged, and the reservation stands). */
  settle(reservation: BudgetReservation, used: { usage?: Usage; cost?: Cost }): Promise<void> | void;
}

export interface ResponseMasker {
  /** Masked bytes to send to the client for this chunk (may hold back a tail). */
  push(chunk: Buffer): Buffer;
  /** Whatever was held back, at end of stream; `audit()` is ready after it. */
  end(): Buffer;
  /** What the audit record keeps of the response (after `end`). */
  audit(): ResponseMasking;
}

export interface ResponseMasking {
  /** Masked response body (a parsed JSON value, a text, or a stream's final texts). */
  body: unknown;
  /** `body`'s JSON text, when it was made already (the masked answer the client got): `Buffer.from(JSON.stringify(body))` exactly. */
  json?: Buffer;
  truncated: boolean;
  report: MaskReportEntry[];
}

/** What the data path reports to metrics (server/metrics.ts implements it): the pipeline depends on this, not on the server. */
export interface DataPathMetrics {
  /** A request ended, answered or not: its endpoint kind, status (499: client gone first) and seconds since arrival. */
  requestEnded(endpoint: string, status: number, seconds: number): void;
  /** An upstream failed before answering (code: ERR_UPSTREAM_*). */
  upstreamFailed(upstream: string, code: string): void;
}

/** gateway/audit/ — the durable, hash-chained log. */
export interface AuditService {
  /** Writes the arrival record and resolves once it is durable (group commit). Rejects → 503, fail closed. */
  arrival(x: ExchangeRecord): Promise<void>;
  /**
   * Writes the outcome record (pipeline/record-outcome.ts calls it once per exchange): resolves when
   * it is durable; rejects with 503 ERR_AUDIT_UNAVAILABLE when it cannot be written (fail closed:
   * a refusal is then not sent either). A request refused before its arrival record gets one
   * combined record, named for why it ended. May return nothing when there is nothing to wait for.
   */
  outcome(x: ExchangeRecord): void | Promise<void>;
  /**
   * Records a request refused outside the pipeline; rejects like `outcome`: a connection the HTTP
   * parser refused (malformed HTTP, kind rejected), or a failed admin authentication (kind
   * auth_failed: counted into its source's auth-failure summary with the data path's 401s).
   */
  rejected(fields: { kind?: 'rejected' | 'auth_failed'; requestId: string; status: number; errorCode: string; source?: string; method?: string; path?: string }): Promise<void>;
  /** Writes a record that is neither (approval steps, torn-line recovery, alerts). */
  note(kind: string, fields: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
  /** Admin API (GET /admin/audit): matching records ascending by seq; `after` is a seq or a record id. See gateway/audit/record-index.ts. */
  query(filter: AuditQuery): Promise<AuditRecord[]>;
  /** Admin API (GET /admin/audit/{id}). */
  get(id: string): Promise<AuditRecord | undefined>;
  /** Admin API (GET /admin/audit/verify): the chain check report; findings empty when intact. */
  verify(): Promise<VerifyReport>;
  /** Records each sink is behind, by sink name (Prometheus gauge gatehouse_audit_sink_lag_records). */
  lag(): Record<string, number>;
  /** Admin API (POST /admin/sinks/{name}/reset): sets the sink's cursor back to the log's start; the seq it was at, undefined for no such sink. */
  resetSink(name: string): Promise<number | undefined>;
  /** What the log writer has done (Prometheus counters gatehouse_audit_records_total, gatehouse_audit_syncs_total ...). */
  stats(): { records: number; syncs: number; bytes: number; failures: number };
}

/** gateway/approvals/ — holds require_approval requests until decided; the admin API's approval desk. */
export interface ApprovalService {
  /**
   * Holds a require_approval request until it is approved or covered by a grant, or refused.
   * Throws GatehouseError when it cannot be held at all (503 capacity, audit or shutdown; client
   * already gone); once an approval exists it resolves with its outcome and, when refused
   * (403 approval_denied / approval_timeout, withdrawal), the error to answer with.
   */
  hold(request: ApprovalHoldRequest): Promise<ApprovalHoldResult>;
  /** Requests held right now (Prometheus gauge gatehouse_approvals_pending). */
  readonly pendingCount: number;
  /** Approvals in a state (default pending), oldest first; decided ones only while remembered (historySize). */
  list(state?: ApprovalState | 'all'): Promise<Approval[]>;
  get(id: string): Promise<Approval | undefined>;
  /** Records an approver's verdict. Throws GatehouseError 403/404/409/410 (see approvals/approval-errors.ts). */
  decide(id: string, approver: Principal, verdict: ApprovalVerdict, reason?: string): Promise<Approval>;
  /** Grants that are neither expired nor revoked. */
  listGrants(): Promise<Grant[]>;
  /** Puts back the unexpired, unrevoked grants recorded in the audit log (after a restart); how many. */
  restoreGrants(): Promise<number>;
  /** Throws GatehouseError 404 ERR_APPROVAL_GRANT_NOT_FOUND when no active grant has that id. */
  revokeGrant(id: string, by: Principal): Promise<Grant>;
  close(): Promise<void>;
}

/** What the approval service needs of a request to hold it (the await-approval stage gives it). */
export interface ApprovalHoldRequest {
  requestId: string;
  principal: Principal | undefined;
  /** A require_approval decision. */
  decision: Decision;
  method: string;
  path: string;
  model?: string;
  endpoint?: EndpointKind;
  /** The client asked for a stream: it is answered 200 with SSE keep-alive comments while it waits. */
  stream: boolean;
  /** The caller's response, where a streaming request's keep-alive stream opens. */
  res: ServerResponse;
  /** Aborted when the client goes away: the approval is withdrawn. */
  clientGone: ClientGone;
}

/**
 * The client going away, as a stage that waits needs it: the part of AbortSignal it uses (an
 * AbortSignal is one). A request's own (`pipeline/client-gone.ts`) is a plain object: an
 * AbortController with its signal and a listener costs ≈ 1 KB of heap, on every held request.
 */
export interface ClientGone {
  readonly aborted: boolean;
  /** `listener` is called once, when the client goes away; not at all when it already has. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** How a held request's wait ended. */
export interface ApprovalHoldResult {
  /** What its records say of the approval (the exchange's `approval`). */
  approval?: ApprovalOutcome;
  /** Why it is refused; absent: go on. */
  error?: GatehouseError;
  /** When its keep-alive stream answered 200 (ms since the epoch): its first byte. */
  streamOpenedAt?: number;
}
