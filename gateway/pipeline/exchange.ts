import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApprovalOutcome } from '../core/approvals/approval-view';
import type { Decision, InferenceRequest, MaskReportEntry, Principal } from '../core/types';
import type { ClientGone, ExchangeOutcome, ExchangeRecord, UsageTap } from '../runtime';
import type { BudgetReservation } from '../core/usage/budget';
import type { CompiledUpstream } from '../upstream/upstream-table';
import type { ByteParts } from '../core/byte-parts';

export type { ExchangeOutcome } from '../runtime';

/**
 * Everything the pipeline knows about one request, filled stage by stage.
 * A stage reads what earlier stages wrote and adds its own part; it never reaches back.
 * Only stages write it: services get it read-only (`ExchangeRecord`, runtime.ts) or get inputs,
 * and return what they make.
 */
export interface Exchange extends ExchangeRecord {
  /** Request id: sent back as x-request-id and used as the audit record id. */
  readonly id: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Wall-clock arrival, ms since epoch. */
  readonly receivedAt: number;
  /** Monotonic arrival, ns (process.hrtime.bigint()), for latency. */
  readonly startNs: bigint;

  /** The request path in normal form (core/request-target.ts): the only path anything judges or forwards. */
  path?: string;
  /** The query as sent ('' or '?...'). */
  query?: string;
  /** The client's IP address (resolve-client-address.ts): the peer, or what a trusted proxy says. */
  clientAddress?: string;
  /** The traceparent the upstream gets when tracing is on: the upstream span's (telemetry/); else the caller's passes through. */
  upstreamTraceparent?: string;
  principal?: Principal;
  request?: InferenceRequest;
  /** Where the request goes: the chosen upstream and the path to send there (with query). */
  target?: { upstream: CompiledUpstream; path: string };
  /** The body is not JSON (e.g. a file upload): it streams to the upstream instead of being buffered. */
  streamBody?: boolean;
  /** Raw request body as received (bounded by the size limit). */
  body?: Buffer;
  /** Parsed JSON body, when the body is JSON. */
  json?: unknown;
  decision?: Decision;
  /** Body to send upstream when a stage rewrote it (masking, max_tokens cap, stream usage); otherwise `body` is sent. */
  upstreamBody?: ByteParts;
  /**
   * The policy's max_tokens cap, already set on `json` (evaluate-policy.ts): `added` names a member
   * the body did not have. write-token-cap.ts puts it into the bytes that go upstream.
   */
  tokenCap?: { added?: string; limit: number };
  /** What the audit log stores of the request body: always masked. */
  auditRequestBody?: unknown;
  /**
   * auditRequestBody's JSON text, when masking made it already (it is the body sent upstream):
   * the arrival record embeds these bytes instead of serializing the body again.
   */
  auditRequestJson?: Buffer;
  /** What masking replaced, request and response (never the values). Replaced, never pushed to: an exchange nothing was masked in shares one frozen empty list (http-exchange.ts). */
  maskReport: MaskReportEntry[];
  /** The gateway added stream_options.include_usage to what went upstream (ask-stream-usage.ts): what it adds is taken out of the response. */
  streamUsageAsked?: boolean;
  /** What the request holds of its token and spend budgets until it ends (admit-limits.ts; settled by record-outcome.ts). */
  budget?: BudgetReservation;
  /** What the usage reader saw of the response so far (usage-service.ts); set when the upstream answered. */
  usageTap?: UsageTap;
  approval?: ApprovalOutcome;
  outcome: ExchangeOutcome;
  /** The outcome record's write, once made (record-outcome.ts): null when there was nothing to wait for. */
  outcomeRecord?: Promise<void> | null;
  /**
   * The relay's end (the steps' end and the outcome record), queued behind the reads ready when
   * the answer ended (relay-response.ts): a response that closes before it ran runs it first
   * (run-pipeline.ts), so a client that closes at the last event still finds the answer whole.
   */
  queuedEnd?: { run(): void };
  /**
   * Called once when the forwarded answer has ended (relayed whole, cut, or abandoned), set by
   * whoever must know (the upstream span, telemetry/): the forward stage settles as soon as the
   * answer's relay starts, long before a stream ends (forward-upstream.ts).
   */
  answerEnded?: () => void;
  /** Aborted when the client goes away; stages waiting on something should listen. */
  readonly clientGone: ClientGone;
}

/** A pipeline stage. Returns nothing when done synchronously (the hot path avoids needless promises). */
export type Stage = (x: Exchange) => void | Promise<void>;
