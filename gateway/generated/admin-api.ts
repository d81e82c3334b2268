/* Generated from schemas/admin-api.openapi.yaml (components.schemas) by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

import type {AuditRecord} from './audit-record';
import type {MaskingRules} from './masking-rules';

/**
 * authorization_code (with PKCE, loopback redirect, RFC 8252) or device_code (RFC 8628 device authorization grant).
 */
export type SignInGrant = 'authorization_code' | 'device_code';
/**
 * What the verifier found (one `INVALID:` line of `gatehouse audit verify` each):
 * - `modified`: the record's content does not match its own hash
 * - `chain_broken`: prev does not match the record before it (altered and re-hashed, or replaced)
 * - `inserted`: a record that is not part of the chain (another record holds its place)
 * - `deleted`: records missing between two kept ones
 * - `reordered`: a record found out of its position
 * - `duplicated`: the same record (same hash) more than once
 * - `malformed`: a line that is not a record
 * - `wrong_form`: a record line whose bytes are not its line format's one form (a repeated member, whitespace, another escape or number form): changed after writing, even when its hash matches (docs/audit-log-format.md)
 * - `torn_line`: the last line is incomplete (no newline): a crash mid-write not yet recovered
 * - `unattested_start`: the log starts after seq 1 without a checkpoint attesting its first record
 * - `bad_checkpoint_signature`: a checkpoint whose JWS does not verify with the given keys
 * - `checkpoint_mismatch`: a checkpoint whose signed (seq, head) is not the chain's
 * - `truncated`: the log ends before the record the anchor attests
 * - `anchor_mismatch`: the record the anchor attests has another hash: the log was replaced or rewritten
 * - `anchor_unverifiable`: the anchor's record is not in the log (removed by retention, or never there)
 * - `bad_anchor`: the anchor's signature does not verify, or it is not a checkpoint
 * - `key_not_introduced`: a checkpoint signed by a known key that no hand-over (rotate-key) introduced, or one already handed over
 * - `witness_unreached`: the witness holds a signed head the log no longer reaches (truncated or rolled back)
 * - `witness_mismatch`: the log reaches the witnessed seq with another hash or Merkle root (rewritten and re-signed)
 * - `bad_witness`: a witnessed head whose signature does not verify with the given keys
 * - `no_key`: checkpoints present but no key to check them
 *
 */
export type FindingKind =
  | 'modified'
  | 'chain_broken'
  | 'inserted'
  | 'deleted'
  | 'reordered'
  | 'duplicated'
  | 'malformed'
  | 'wrong_form'
  | 'torn_line'
  | 'unattested_start'
  | 'bad_checkpoint_signature'
  | 'checkpoint_mismatch'
  | 'truncated'
  | 'anchor_mismatch'
  | 'anchor_unverifiable'
  | 'bad_anchor'
  | 'key_not_introduced'
  | 'witness_unreached'
  | 'witness_mismatch'
  | 'bad_witness'
  | 'no_key';
export type Vote = Actor & {
  at: string;
  reason?: string;
};
/**
 * A listed subject (the token's sub claim), alone or with the issuer that must have issued it.
 */
export type SubjectEntry =
  | string
  | {
      issuer: string;
      subject: string;
    };
/**
 * abandoned — the gateway instance holding the caller's connection stopped before a decision (a fleet marks it; the caller's retry asks again).
 */
export type ApprovalState = 'pending' | 'approved' | 'denied' | 'timeout' | 'withdrawn' | 'abandoned';
export type ApprovalVerdict = 'approve' | 'deny';
export type PolicyAction = 'allow' | 'deny' | 'require_approval';
export type MaskWhere = 'audit' | 'upstream' | 'client';
/**
 * Who shares a budget: each caller, each of the caller's groups, or everyone the rule lets through.
 */
export type BudgetScope = 'principal' | 'group' | 'rule';
/**
 * Fractions of the limit at which the budget alerts, ascending (policy alertAt).
 */
export type BudgetAlertAt = number[];

/**
 * Every schema of the admin API contract, by name.
 */
export interface AdminApiSchemas {
  Error: Error;
  Health: Health;
  SignInDocument: SignInDocument;
  SignInGrant: SignInGrant;
  Readiness: Readiness;
  AuditPage: AuditPage;
  FindingKind: FindingKind;
  Finding: Finding;
  ValidCount: ValidCount;
  VerifyReport: VerifyReport;
  Actor: Actor;
  Vote: Vote;
  Approvers: Approvers;
  SubjectEntry: SubjectEntry;
  RuleApproval: RuleApproval;
  ApprovalState: ApprovalState;
  Approval: Approval;
  ApprovalList: ApprovalList;
  ApprovalVerdict: ApprovalVerdict;
  DecisionBody: DecisionBody;
  Grant: Grant;
  GrantList: GrantList;
  PolicyAction: PolicyAction;
  PolicyInfo: PolicyInfo;
  InstanceList: InstanceList;
  FleetInstance: FleetInstance;
  LoadError: LoadError;
  ReloadRequest: ReloadRequest;
  ReloadResult: ReloadResult;
  SinkReset: SinkReset;
  MaskWhere: MaskWhere;
  MaskPreviewRequest: MaskPreviewRequest;
  MaskSpan: MaskSpan;
  MaskPreview: MaskPreview;
  MaskPreviewFailure: MaskPreviewFailure;
  MaskReportEntry: MaskReportEntry;
  SamplePrincipal: SamplePrincipal;
  SampleRequest: SampleRequest;
  DecisionPreviewRequest: DecisionPreviewRequest;
  DescribedRequest: DescribedRequest;
  DecisionPreview: DecisionPreview;
  ExplainStep: ExplainStep;
  DecisionLimits: DecisionLimits;
  BudgetAlertAt: BudgetAlertAt;
  BudgetScope: BudgetScope;
  Decision: Decision;
  GatewayEvents: GatewayEvents;
  AuditAppendedEvent: AuditAppendedEvent;
  ApprovalRequestedEvent: ApprovalRequestedEvent;
  ApprovalResolvedEvent: ApprovalResolvedEvent;
  AlertFiredEvent: AlertFiredEvent;
  PolicyReloadedEvent: PolicyReloadedEvent;
  PolicyReloadFailedEvent: PolicyReloadFailedEvent;
  EventInstance: EventInstance;
  AuditFailedEvent: AuditFailedEvent;
  AuditRecoveredEvent: AuditRecoveredEvent;
  SinkFailedEvent: SinkFailedEvent;
  InstanceChangedEvent: InstanceChangedEvent;
  GapEvent: GapEvent;
}
export interface Error {
  error: {
    message: string;
    type: string;
    code: string;
    param: null;
  };
}
export interface Health {
  status: 'ok';
}
export interface SignInDocument {
  /**
   * The identity provider (OpenID discovery at <issuer>/.well-known/openid-configuration); one of approvals.approverIdentity.issuers.
   */
  issuer: string;
  /**
   * A public client (no secret).
   */
  clientId: string;
  /**
   * Scopes to ask for, e.g. [openid, offline_access].
   */
  scopes: string[];
  /**
   * RFC 8707 resource indicator to send with the authorization and token requests.
   */
  resource?: string;
  /**
   * @minItems 1
   */
  grants: [SignInGrant, ...SignInGrant[]];
}
export interface Readiness {
  status: 'ready' | 'not ready';
  /**
   * Why it is not ready, e.g. "audit log not writable".
   */
  reasons?: string[];
  policyVersion: string;
}
export interface AuditPage {
  data: AuditRecord[];
}
export interface Finding {
  kind: FindingKind;
  /**
   * Seq of the record concerned (first of a range for `deleted`).
   */
  seq?: number;
  /**
   * Last seq of a range (`deleted`).
   */
  toSeq?: number;
  /**
   * Record id, when the record could be read.
   */
  id?: string;
  file?: string;
  /**
   * 1-based line in file.
   */
  line?: number;
  message: string;
}
export interface ValidCount {
  total: number;
  valid: number;
}
/**
 * The chain check of `gatehouse audit verify` and GET /admin/audit/verify; the log is intact when `findings` is empty.
 */
export interface VerifyReport {
  chain?: string;
  firstSeq?: number;
  lastSeq?: number;
  firstTime?: string;
  lastTime?: string;
  records: ValidCount;
  checkpoints: ValidCount;
  /**
   * The anchor used, when one was given.
   */
  anchor?: {
    seq: number;
    head: string;
    time: string;
    source?: string;
  };
  /**
   * The witnessed heads checked (`verify --witness`, or audit.witness for GET /admin/audit/verify): how many, and the latest one.
   */
  witness?: {
    heads: number;
    latestSeq?: number;
    latestTime?: string;
    source?: string;
  };
  /**
   * Checkpoints whose signed Merkle root was recomputed from the records and matched.
   */
  merkleRoots?: number;
  /**
   * How the first record's start is vouched for.
   */
  start?: 'genesis' | 'checkpoint' | 'unattested';
  /**
   * Where the checkpoint verification keys were read from.
   */
  keySource?: string;
  findings: Finding[];
}
export interface Actor {
  issuer: string;
  subject: string;
}
export interface Approvers {
  groups?: string[];
  subjects?: SubjectEntry[];
}
export interface RuleApproval {
  approvers: Approvers;
  minApprovals: number;
  timeoutSeconds: number;
  grantTtlSeconds?: number;
}
export interface Approval {
  id: string;
  /**
   * The held request's x-request-id (and its audit records' requestId).
   */
  requestId: string;
  state: ApprovalState;
  principal: Actor & {
    groups: string[];
  };
  method: string;
  path: string;
  model?: string;
  /**
   * The require_approval rule that matched.
   */
  rule: string;
  policyVersion?: string;
  approvers: {
    groups: string[];
    subjects: SubjectEntry[];
  };
  minApprovals: number;
  /**
   * The request is a stream already answered 200 with SSE keep-alive comments.
   */
  streaming: boolean;
  requestedAt: string;
  /**
   * When it times out (the rule's timeout, clamped to approvals.maxWaitSeconds).
   */
  expiresAt: string;
  decidedAt?: string;
  approvals: Vote[];
  deniedBy?: Vote;
  reason?: string;
  /**
   * The grant the approval created.
   */
  grantId?: string;
}
export interface ApprovalList {
  data: Approval[];
}
export interface DecisionBody {
  decision: ApprovalVerdict;
  /**
   * Shown to the requester on denial; recorded in the audit log.
   */
  reason?: string;
}
/**
 * Matching requests (same principal issuer and subject, same rule, same model) pass without approval until expiresAt.
 */
export interface Grant {
  id: string;
  principal: Actor;
  rule: string;
  model?: string;
  approvalId: string;
  approvedBy: Actor[];
  createdAt: string;
  expiresAt: string;
  uses: number;
  revokedAt?: string;
  revokedBy?: Actor;
}
export interface GrantList {
  data: Grant[];
}
export interface PolicyInfo {
  /**
   * `sha256:<hex>` of the combined specs.
   */
  version: string;
  files?: string[];
  /**
   * metadata.name of each file.
   */
  names?: string[];
  defaultAction?: PolicyAction;
  rules?: {
    id: string;
    action: PolicyAction;
    description?: string;
    approval?: RuleApproval;
  }[];
  /**
   * Number of alert rules.
   */
  alerts?: number;
}
export interface InstanceList {
  data: FleetInstance[];
  /**
   * The running instances do not all run the same policy version.
   */
  policyVersionsDiffer: boolean;
}
/**
 * One gateway instance of the fleet.
 */
export interface FleetInstance {
  /**
   * The instance id, kept in <dataDir>/instance-id.
   */
  id: string;
  /**
   * server.instance.name (default the host name).
   */
  name: string;
  /**
   * This is the instance that answered.
   */
  self: boolean;
  /**
   * running — heard from within state.instanceTimeoutSeconds; silent — not heard from for longer (dead, or cut off from PostgreSQL); stopped — stopped cleanly, or found gone.
   */
  state: 'running' | 'silent' | 'stopped';
  /**
   * The policy version it runs (sha256:<hex>)
   */
  policyVersion: string;
  /**
   * A running instance whose policy version is not the one most of the running fleet runs (on a tie, every running instance is flagged).
   */
  policyDiffers: boolean;
  startedAt: string;
  /**
   * Its last heartbeat.
   */
  lastSeen: string;
  stoppedAt?: string;
  /**
   * Its /readyz answered 200 at its last heartbeat (audit log writable, shared state reachable).
   */
  ready: boolean;
  /**
   * What made it not ready, as /readyz says.
   */
  notReady: string[];
}
/**
 * One problem of a policy file, pinned to its place.
 */
export interface LoadError {
  file: string;
  line?: number;
  column?: number;
  /**
   * JSON pointer into the file.
   */
  path: string;
  message: string;
}
export interface ReloadRequest {
  /**
   * Ask every instance of the fleet to reload (default false: this one only).
   */
  fleet?: boolean;
}
export interface ReloadResult {
  ok: boolean;
  /**
   * The version running after the call (the old one when ok is false).
   */
  version: string;
  errors: LoadError[];
}
export interface SinkReset {
  /**
   * The sink's name (audit.sinks[].name).
   */
  sink: string;
  /**
   * The seq of the last record the sink had acknowledged before the reset (0 when it had none).
   */
  fromSeq: number;
}
export interface MaskPreviewRequest {
  /**
   * The masking rules (spec.masking) to apply.
   */
  spec?: MaskingRules;
  /**
   * The payload: a JSON value, or a string (parsed as JSON when it is JSON, else masked as free text).
   */
  sample: unknown;
  where?: MaskWhere;
  /**
   * Only these rules, as if the decision listed them.
   */
  ruleNames?: string[];
}
export interface MaskSpan {
  rule: string;
  detector: string;
  path: string;
  start: number;
  end: number;
  confidence: number;
}
export interface MaskPreview {
  ok: true;
  /**
   * The masked payload.
   */
  masked: unknown;
  changed: boolean;
  spans: MaskSpan[];
  report: MaskReportEntry[];
}
/**
 * One line of a mask report; never the original value.
 */
export interface MaskReportEntry {
  rule: string;
  detector: string;
  /**
   * JSON path of the value, e.g. $.messages[0].content
   */
  path: string;
  count: number;
  /**
   * Which body: the request (default) or the response.
   */
  part?: 'request' | 'response';
  /**
   * The copies the value was masked in (audit always; upstream/client where a rule says so).
   */
  where?: MaskWhere[];
}
export interface MaskPreviewFailure {
  ok: false;
  errors: {
    path: string;
    message: string;
  }[];
}
export interface SamplePrincipal {
  issuer?: string;
  subject: string;
  groups?: string[];
  clientId?: string;
  attributes?: {
    [k: string]: string | string[];
  };
}
export interface SampleRequest {
  method?: string;
  path: string;
  /**
   * A sample request body.
   */
  body?: unknown;
  /**
   * Overrides the endpoint kind derived from the path.
   */
  endpoint?: string;
  upstream?: string;
  model?: string;
  stream?: boolean;
  promptText?: string;
  maxTokens?: number;
  bodyBytes?: number;
}
export interface DecisionPreviewRequest {
  principal: SamplePrincipal;
  request: SampleRequest;
}
/**
 * The request as policy sees it (core InferenceRequest).
 */
export interface DescribedRequest {
  method: string;
  path: string;
  endpoint: string;
  upstream: string;
  model?: string;
  stream: boolean;
  promptText: string;
  maxTokens?: number;
  bodyBytes: number;
}
export interface DecisionPreview {
  principal: Actor & {
    groups: string[];
  };
  request: DescribedRequest;
  decision: Decision;
}
export interface Decision {
  action: PolicyAction;
  /**
   * The deciding rule's id, or "default" when no rule matched.
   */
  rule: string;
  reasons: string[];
  limits: DecisionLimits;
  /**
   * Names of the masking rules that apply.
   */
  masks: string[];
  approval?: RuleApproval;
  explain: ExplainStep[];
  policyVersion: string;
  denyList?: 'content' | 'endpoint';
}
export interface DecisionLimits {
  maxBodyBytes?: number;
  maxTokens?: number;
  /**
   * reject (default) or clamp max_tokens to maxTokens.
   */
  maxTokensMode?: 'reject' | 'clamp';
  rate?: {
    requests: number;
    windowSeconds: number;
  };
  concurrent?: number;
  /**
   * Tokens per window, reserved before forwarding and settled with the answer's usage.
   */
  tokens?: {
    total?: number;
    input?: number;
    output?: number;
    windowSeconds: number;
    scope: BudgetScope;
    alertAt?: BudgetAlertAt;
  };
  /**
   * Cost per window at the gateway's prices.
   */
  spend?: {
    amount: number;
    currency: string;
    windowSeconds: number;
    scope: BudgetScope;
    alertAt?: BudgetAlertAt;
  };
}
export interface ExplainStep {
  rule: string;
  matched: boolean;
  reason: string;
}
/**
 * The payload of each event of GET /admin/events, by event name (the gateway's event bus carries the same).
 */
export interface GatewayEvents {
  'audit.appended': AuditAppendedEvent;
  'approval.requested': ApprovalRequestedEvent;
  'approval.resolved': ApprovalResolvedEvent;
  'alert.fired': AlertFiredEvent;
  'policy.reloaded': PolicyReloadedEvent;
  'policy.reload_failed': PolicyReloadFailedEvent;
  'audit.failed': AuditFailedEvent;
  'audit.recovered': AuditRecoveredEvent;
  'sink.failed': SinkFailedEvent;
  'instance.changed': InstanceChangedEvent;
}
export interface AuditAppendedEvent {
  id: string;
  seq: number;
  kind: string;
  principal?: string;
  decision?: string;
  model?: string;
  status?: number;
  /**
   * Total tokens of an outcome record (usage.totalTokens).
   */
  tokens?: number;
  /**
   * What they cost (cost.amount), in costCurrency.
   */
  cost?: number;
  costCurrency?: string;
}
export interface ApprovalRequestedEvent {
  id: string;
  /**
   * The requester's subject.
   */
  principal: string;
  method: string;
  path: string;
  model?: string;
  rule: string;
  expiresAt: string;
}
export interface ApprovalResolvedEvent {
  id: string;
  state: 'approved' | 'denied' | 'timeout' | 'withdrawn' | 'abandoned';
  /**
   * Approver subject(s), comma-separated.
   */
  by?: string;
  reason?: string;
}
export interface AlertFiredEvent {
  id: string;
  rule: string;
  severity: string;
  message: string;
  principal?: string;
  at: string;
}
/**
 * The instance named reloaded its policy. In a fleet every instance's reloads reach every admin client: what one instance runs is the event whose instance is that one (the self entry of GET /admin/instances).
 */
export interface PolicyReloadedEvent {
  version: string;
  files: string[];
  instance: EventInstance;
}
/**
 * The instance an event is about (embedded, the one instance).
 */
export interface EventInstance {
  /**
   * The instance id (FleetInstance.id).
   */
  id: string;
  /**
   * server.instance.name.
   */
  name: string;
}
/**
 * The instance named failed to reload its policy and keeps running the one it had.
 */
export interface PolicyReloadFailedEvent {
  errors: LoadError[];
  instance: EventInstance;
}
export interface AuditFailedEvent {
  /**
   * The error code and what it means, e.g. "ENOSPC: audit log not writable; requests are refused".
   */
  message: string;
}
export interface AuditRecoveredEvent {
  /**
   * When the log stopped being writable.
   */
  since: string;
  /**
   * How long the outage lasted.
   */
  seconds: number;
}
export interface SinkFailedEvent {
  sink: string;
  message: string;
}
/**
 * An instance of the fleet started, stopped, was found gone (not heard from for state.instanceTimeoutSeconds), reported the policy version it runs after a reload (policy: sent once the fleet's table has it, unlike policy.reloaded), or became ready or not ready (readiness: its /readyz changed, e.g. its audit log stopped being writable); re-read GET /admin/instances.
 */
export interface InstanceChangedEvent {
  id: string;
  name: string;
  change: 'started' | 'stopped' | 'gone' | 'policy' | 'readiness';
}
/**
 * Sent first when the events since Last-Event-ID are gone; re-read state after it.
 */
export interface GapEvent {
  reason: 'restarted' | 'evicted' | 'malformed';
  lastEventId?: string;
}
