/* Generated from schemas/audit-record.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

/**
 * One line of the Gatehouse audit log (JSON lines under <dataDir>/audit). Records form a hash chain per replica: hash = SHA-256 hex of (prev || the record without `hash`, as written in line format 2; as RFC 8785 canonical JSON in format 1). docs/audit-log-format.md specifies the line formats. Fields that do not apply to a kind are left out.
 */
export interface AuditRecord {
  /**
   * Line format (docs/audit-log-format.md): 2, the first member of every line gateways write now (the hash covers the record's bytes as written). Absent in format 1 (older gateways: the hash covers the RFC 8785 canonical JSON).
   */
  v?: 2;
  /**
   * Record id (UUIDv7, unique across chains): the de-duplication key in sinks (Elasticsearch _id, syslog structured data).
   */
  id: string;
  /**
   * Position in the chain: 1 for the chain's first record, then +1 per record, across segments and restarts.
   */
  seq: number;
  /**
   * Hash of the record at seq - 1 (64 zeros for the first record).
   */
  prev: string;
  /**
   * SHA-256 hex of prev followed by this record without `hash`: in format 2 the line's bytes up to this member, closed with `}`; in format 1 its RFC 8785 canonical JSON. Always the line's last member.
   */
  hash: string;
  /**
   * When the record was made (for arrival: when the request arrived), RFC 3339 UTC with milliseconds.
   */
  time: string;
  /**
   * What the record is about. arrival: a request passed the checks and is about to be forwarded; outcome: how it ended; denied / auth_failed: a request refused before forwarding (arrival and outcome fields in one record), durable before the refusal was sent; auth_failed_summary: 401 refusals from one `source` over audit.authFailureRecords.perSource in one interval, counted (details: count, codes, recordedSeparately, interval, first, last) and durable before any of them was answered (one without `source`, with details.overflow, counts the 401s from addresses past audit.authFailureRecords.maxSources); rejected: a request the HTTP parser refused (malformed HTTP); start: a gateway started on this data dir (details: host — a label, not the chain id —, pid, and staleLock: the lock of a gateway no longer running that it took over); approval_*: approval steps; grant_used: a request allowed by an earlier approval's grant; checkpoint: a signed (seq, head hash) attestation; recovery: start-up truncated a torn last line; outage: the log could not be written from details.since until this record (requests in between were refused, none forwarded); alert: an alert fired. admin: an admin API request or an operator command (reading the log, deciding an approval, revoking a grant, reloading policy, resetting a sink cursor, rotating the signing key, any use of the local admin token), with the admin principal, durable before the admin got the answer (its failed authentications are auth_failed records, counted per source like the data path's).
   */
  kind: string;
  /**
   * Chain id: the replica that wrote the record (audit.chainId; by default a random UUID made at the data dir's first start and kept in <dataDir>/audit/chain-id).
   */
  chain: string;
  /**
   * The request's id, as sent back in x-request-id: joins a request's arrival and outcome records.
   */
  requestId?: string;
  principal?: Principal;
  /**
   * The client's address as the gateway saw it (the TCP peer; a proxy in front shows as itself).
   */
  source?: string;
  /**
   * HTTP method of the request.
   */
  method?: string;
  /**
   * Request path as sent by the client, without the query string.
   */
  path?: string;
  /**
   * The client's IP address: the connection's peer, or what a trusted proxy (server.trustedProxies) says in X-Forwarded-For.
   */
  clientAddress?: string;
  /**
   * The caller's User-Agent header, as sent, cut to 512 characters (a cut one ends with …). Shown through the same escaping as every caller text.
   */
  userAgent?: string;
  /**
   * The caller's own x-request-id, when it sent one (cut to 128 characters): joins the caller's logs to this record. The gateway answers with its own id (requestId).
   */
  callerRequestId?: string;
  /**
   * The caller's W3C Trace Context traceparent header, when it sent a valid one (invalid ones are left out): joins the record to the caller's trace.
   */
  traceparent?: string;
  /**
   * Name of the upstream the request was routed to.
   */
  upstream?: string;
  /**
   * Kind of call (chat, responses, embeddings, fine-tuning, ...).
   */
  endpoint?: string;
  /**
   * Model named in the request.
   */
  model?: string;
  /**
   * Whether the client asked for a streamed (SSE) response.
   */
  stream?: boolean;
  decision?: Decision;
  /**
   * Content hash of the policy snapshot that decided.
   */
  policyVersion?: string;
  approval?: Approval;
  /**
   * The request body as masked by the masking stage (never the raw body); a string prefix when truncated.
   */
  requestBody?: unknown;
  /**
   * True when requestBody was cut to audit.maxBodyBytes.
   */
  requestBodyTruncated?: boolean;
  /**
   * Size of the raw request body, in bytes.
   */
  bodyBytes?: number;
  /**
   * SHA-256 hex of the raw request body: proves what was sent without storing it.
   */
  bodySha256?: string;
  /**
   * What masking replaced in the request (rule, detector, JSON path, count); never the original values.
   */
  mask?: MaskEntry[];
  /**
   * HTTP status sent to the client.
   */
  status?: number;
  /**
   * The gateway's error code (ERR_<AREA>_<REASON>) when the request failed.
   */
  errorCode?: string;
  /**
   * Milliseconds from arrival to the end of the response.
   */
  latencyMs?: number;
  /**
   * Milliseconds from arrival to the first response byte sent to the client.
   */
  firstByteMs?: number;
  usage?: Usage;
  cost?: Cost;
  /**
   * The response body as masked for the audit copy (bounded); a string prefix when truncated.
   */
  responseBody?: unknown;
  /**
   * True when responseBody is not the whole response.
   */
  responseTruncated?: boolean;
  /**
   * Bytes of response body sent to the client.
   */
  responseBytes?: number;
  /**
   * SHA-256 hex of the response body as sent to the client, when the forwarder computed it.
   */
  responseSha256?: string;
  /**
   * True when the client went away before the response ended (JSON or SSE; not when the upstream or the gateway cut it).
   */
  clientAborted?: boolean;
  /**
   * When the response did not end whole (clientAborted, or an upstreamError after the headers): bytes of the response body the client's connection accepted before it ended (each write handed to the kernel without error). Bytes still buffered in the gateway are not counted; the client may not have read every one of these. A whole response has none: its end reaches the client only after its outcome record is durable, and responseBytes is what it got.
   */
  deliveredBytes?: number;
  /**
   * Why the upstream call failed (connect refused, timeout, reset), when it did. For a reset after the headers (ERR_UPSTREAM_RESET), details.upstreamCause has the upstream connection's own error.
   */
  upstreamError?: string;
  admin?: Admin;
  checkpoint?: Checkpoint;
  recovery?: Recovery;
  /**
   * Kind-specific fields of approval, grant, alert and other note records.
   */
  details?: {};
}
/**
 * The verified caller (never the token itself).
 */
export interface Principal {
  /**
   * Token issuer (iss).
   */
  issuer: string;
  /**
   * Token subject (sub).
   */
  subject: string;
  /**
   * OAuth client id (azp / client_id), when present.
   */
  clientId?: string;
  /**
   * Groups mapped from the token's claims.
   */
  groups?: string[];
  /**
   * SHA-256 (base64url) of the raw token: correlates calls made with one token without storing it.
   */
  tokenHash?: string;
  /**
   * The token's jti claim, when it has one (cut to 256 characters).
   */
  tokenId?: string;
  /**
   * The claims the issuer's claims.attributes maps (e.g. GitHub Actions' repository, workflow, ref; a Kubernetes service account's name), by attribute name; each string cut to 256 characters, at most 32 per list.
   */
  attributes?: {
    [k: string]: string | string[];
  };
}
/**
 * The policy's decision.
 */
export interface Decision {
  /**
   * allow, deny or require_approval.
   */
  action: 'allow' | 'deny' | 'require_approval';
  /**
   * Id of the deciding rule, or default.
   */
  rule: string;
  /**
   * Human-readable reasons of the decision.
   */
  reasons?: string[];
}
/**
 * Approval state of a request that needed one.
 */
export interface Approval {
  /**
   * Approval id.
   */
  id?: string;
  /**
   * approved, denied, timeout, withdrawn or granted (allowed by an earlier grant).
   */
  state: string;
  /**
   * Subjects of the approvers who decided.
   */
  by?: string[];
  /**
   * The approver's reason.
   */
  reason?: string;
}
/**
 * One masking report line.
 */
export interface MaskEntry {
  /**
   * Masking rule name.
   */
  rule: string;
  /**
   * Detector that matched (card, iban, email, ...).
   */
  detector: string;
  /**
   * JSON path of the masked value, e.g. $.messages[0].content.
   */
  path: string;
  /**
   * How many values were masked there.
   */
  count: number;
}
/**
 * Token usage of the exchange (outcome records): the upstream's own figures (response body, or the stream's usage events), or the gateway's count when it reported none. inputTokens and outputTokens are whole; the cached, cache-write and reasoning counts are parts of them.
 */
export interface Usage {
  /**
   * Every input token: OpenAI prompt_tokens / input_tokens; Anthropic input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
   */
  inputTokens: number;
  /**
   * Input tokens read from the prompt cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens).
   */
  cachedInputTokens?: number;
  /**
   * Input tokens written to the prompt cache (Anthropic cache_creation_input_tokens).
   */
  cacheCreationInputTokens?: number;
  /**
   * Every output token, reasoning included.
   */
  outputTokens: number;
  /**
   * Reasoning tokens (OpenAI reasoning_tokens).
   */
  reasoningTokens?: number;
  /**
   * inputTokens + outputTokens (OpenAI's total_tokens when it sends one).
   */
  totalTokens: number;
  /**
   * reported: the upstream's figures; estimated: counted by the gateway with a tokenizer (or the upstream's input with a counted output, for a stream cut short); bytes: UTF-8 bytes ÷ 4.
   */
  source: 'reported' | 'estimated' | 'bytes';
}
/**
 * What the usage cost at the configured price of the upstream and model (config pricing). Absent when no price matches: never a guess.
 */
export interface Cost {
  /**
   * In units of the currency (not cents).
   */
  amount: number;
  /**
   * ISO 4217 code.
   */
  currency: string;
}
/**
 * What an admin did (kind admin). The record's principal is the admin, method/path/status what was asked and answered.
 */
export interface Admin {
  /**
   * The action: audit.query (GET /admin/audit), audit.read (one record), audit.verify, events.follow (the event stream opened), approvals.list, approval.read, approval.decide, grants.list, grant.revoke, policy.read, policy.reload, instances.list (GET /admin/instances), preview.mask, preview.decision, sink.reset (a sink's cursor set back), metrics.read, signing_key.rotate (gatehouse audit rotate-key), unknown (no such admin route).
   */
  action:
    | 'audit.query'
    | 'audit.read'
    | 'audit.verify'
    | 'events.follow'
    | 'approvals.list'
    | 'approval.read'
    | 'approval.decide'
    | 'grants.list'
    | 'grant.revoke'
    | 'policy.read'
    | 'policy.reload'
    | 'instances.list'
    | 'preview.mask'
    | 'preview.decision'
    | 'sink.reset'
    | 'metrics.read'
    | 'signing_key.rotate'
    | 'unknown';
  /**
   * How the admin proved who they are: admin-token (the local admin token file), token (an approver/admin OIDC token), operator (a command run on the gateway's host with access to its data dir).
   */
  credential: 'admin-token' | 'token' | 'operator';
  /**
   * The role the credential gave: admin, or approver (approval and grant routes only).
   */
  role?: 'admin' | 'approver';
  /**
   * What the action was about: the record, approval or grant id, or the sink name.
   */
  target?: string;
  /**
   * The filters of a read, as asked (audit.query: after, principal, decision, model, kind, limit; approvals.list: state).
   */
  query?: {
    [k: string]: string | number;
  };
  /**
   * How many records or items the answer carried (one admin record per request, whatever the count).
   */
  returned?: number;
  /**
   * approval.decide: approve or deny.
   */
  verdict?: 'approve' | 'deny';
  /**
   * approval.decide: the reason the admin gave.
   */
  reason?: string;
  /**
   * policy.reload: the policy version running before.
   */
  fromVersion?: string;
  /**
   * policy.reload: the version running after (the same when the reload was refused).
   */
  toVersion?: string;
  /**
   * sink.reset: the seq the sink's cursor was at.
   */
  fromSeq?: number;
  /**
   * signing_key.rotate: the outgoing key's id.
   */
  oldKid?: string;
  /**
   * signing_key.rotate: the incoming key's id.
   */
  newKid?: string;
}
/**
 * A signed attestation that the chain's record `seq` has hash `head`. Written every N records or T seconds and at the start of every segment (so the chain start of each segment is attested after retention).
 */
export interface Checkpoint {
  /**
   * Seq of the attested record (this checkpoint record's seq - 1; 0 for a new chain).
   */
  seq: number;
  /**
   * Hash of the attested record (equals this record's prev).
   */
  head: string;
  /**
   * Compact JWS (EdDSA, Ed25519) over {v, chain, seq, head, time, root, next}, signed with the gateway's audit key; kid in the header. Only the signed payload is trusted. Version 1 payloads (older logs) have no v, root or next.
   */
  jws: string;
  /**
   * Id (RFC 7638 thumbprint) of the signing key.
   */
  kid?: string;
  /**
   * RFC 9162 Merkle tree head over records 1..seq (leaf i = SHA-256(0x00 || the 32-byte hash of record i+1)); signed in the JWS (v 2).
   */
  root?: string;
  /**
   * The roots of the perfect subtrees covering records 1..seq, largest first (a compact range): lets the writer resume the tree and a prover start from this checkpoint. Not signed; it must fold to the signed root.
   */
  frontier?: string[];
  /**
   * Key hand-over (gatehouse audit rotate-key): the public JWK of the key that signs the checkpoints after this one. Signed in the JWS by the outgoing key.
   */
  next?: {};
}
/**
 * What start-up dropped from the end of the log after a crash.
 */
export interface Recovery {
  /**
   * Segment file the torn line was cut from.
   */
  segment: string;
  /**
   * Bytes truncated (an incomplete last line).
   */
  droppedBytes: number;
  /**
   * SHA-256 hex of the truncated bytes.
   */
  droppedSha256: string;
  /**
   * Byte offset in the segment where the torn line started.
   */
  offset?: number;
}
