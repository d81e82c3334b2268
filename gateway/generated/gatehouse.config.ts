/* Generated from schemas/gatehouse.config.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

export type Upstream = {
  /**
   * Name used in policies (route match) and audit records.
   */
  name: string;
  /**
   * Base URL of the model server, e.g. https://api.openai.com or http://127.0.0.1:11434. The client's path is appended to it (a path in the URL is kept as a prefix, and nothing forwarded can leave it).
   */
  url?: string;
  /**
   * Run the built-in demo model (an echo server, not a real model) on a loopback port and forward to it. For trying the gateway without a model server.
   */
  demo?: boolean;
  /**
   * Only requests whose path lies under this prefix, by whole segments, go to this upstream (/anthropic holds /anthropic/v1/messages, not /anthropicX/v1/messages). A plain path: no dot segments, no empty segments. Default /.
   */
  pathPrefix?: string;
  /**
   * Only requests for these models (globs, e.g. gpt-4o*) go to this upstream. Default: any model.
   */
  models?: string[];
  /**
   * The upstream's own credential, injected on every forwarded request. The caller's Authorization and x-api-key never reach the upstream.
   */
  auth?: {
    /**
     * Header that carries the credential. Default authorization (x-api-key for Anthropic).
     */
    header?: string;
    /**
     * Prefix before the secret, e.g. Bearer. Default Bearer for authorization, none otherwise.
     */
    scheme?: string;
    secret: SecretRef;
  };
  /**
   * Extra headers set on every forwarded request (e.g. anthropic-version).
   */
  headers?: {
    [k: string]: string;
  };
  /**
   * Caller headers this upstream receives besides the defaults (accept, accept-language, content-type, user-agent, idempotency-key, traceparent, tracestate, x-stainless-*, openai-beta, anthropic-version, anthropic-beta). Names in any case; a * matches any run of characters. Every other caller header is dropped: e.g. OpenAI-Organization and OpenAI-Project (which select whose quota the gateway's key spends) reach the upstream only if listed here. Credentials, hop-by-hop headers and X-Forwarded-For/Forwarded/X-Real-IP are never forwarded, whatever this says.
   */
  forwardHeaders?: string[];
  /**
   * Time to wait for the upstream's response headers before answering 504. Default 60000.
   */
  timeoutMs?: number;
  /**
   * Time to wait for a TCP connection. Default 5000.
   */
  connectTimeoutMs?: number;
  /**
   * Keep-alive pool size. Default 256.
   */
  maxSockets?: number;
  /**
   * Remove pathPrefix from the path before forwarding (e.g. /anthropic/v1/messages goes upstream as /v1/messages). Default false.
   */
  stripPrefix?: boolean;
} & Upstream1;
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & SecretRef1;
export type SecretRef1 = {
  [k: string]: unknown;
};
export type Upstream1 = {
  [k: string]: unknown;
};
/**
 * Trusted token issuers (identity providers). A token is checked against the issuer named by its `iss` claim; tokens from any other issuer are refused.
 */
export type Issuers = TrustedIssuer[];
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef2 = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & {
  [k: string]: unknown;
};
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef3 = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & {
  [k: string]: unknown;
};
/**
 * One audit sink.
 */
export type AuditSink = {
  /**
   * http: NDJSON batches POSTed to url; splunk-hec: Splunk HTTP Event Collector (/services/collector/event); elasticsearch: Elasticsearch/OpenSearch _bulk with _id = record id; syslog: RFC 5424 over TCP or TLS with octet-counted framing (RFC 6587).
   */
  type: 'http' | 'splunk-hec' | 'elasticsearch' | 'syslog';
  /**
   * Name of the sink: names its cursor file (<dataDir>/audit/cursors/<name>.json), its lag metric and its log lines.
   */
  name: string;
  /**
   * http: the URL records are POSTed to. splunk-hec: the HEC base URL (e.g. https://splunk:8088); /services/collector/event is appended unless present. elasticsearch: the cluster URL; /_bulk is appended.
   */
  url?: string;
  token?: SecretRef4;
  /**
   * Extra HTTP headers sent with each request.
   */
  headers?: {
    [k: string]: string;
  };
  /**
   * Most records per delivery (one HTTP request, or one burst of syslog messages). Default 500.
   */
  batchSize?: number;
  /**
   * Time allowed for one delivery before it counts as failed. Default 10000.
   */
  timeoutMs?: number;
  /**
   * First retry delay after a failed delivery, in ms; doubles up to backoffMaxMs, with full jitter. Default 500.
   */
  backoffMinMs?: number;
  /**
   * Longest retry delay, in ms. Default 30000.
   */
  backoffMaxMs?: number;
  /**
   * elasticsearch: the index written to (default gatehouse-audit). splunk-hec: the Splunk index (default: the token's).
   */
  index?: string;
  /**
   * splunk-hec: the sourcetype. Default gatehouse:audit.
   */
  sourcetype?: string;
  /**
   * syslog: the collector's host name or address.
   */
  host?: string;
  /**
   * syslog: the collector's TCP port. Default 514 (6514 with tls).
   */
  port?: number;
  /**
   * syslog: use TLS (RFC 5425). Present = on.
   */
  tls?: {
    /**
     * PEM file of the CA that signed the collector's certificate. Default: the system's CAs.
     */
    ca?: string;
    /**
     * Name checked against the collector's certificate. Default: host.
     */
    servername?: string;
  };
  /**
   * syslog: APP-NAME of each message. Default gatehouse.
   */
  appName?: string;
  /**
   * syslog: facility number (16 = local0, the default).
   */
  facility?: number;
};
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef4 = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & {
  [k: string]: unknown;
};
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef5 = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & {
  [k: string]: unknown;
};
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef6 = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & {
  [k: string]: unknown;
};
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef7 = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & {
  [k: string]: unknown;
};
/**
 * Where a secret comes from: an environment variable or a file readable only by its owner (mode 0600).
 */
export type SecretRef8 = {
  /**
   * Name of an environment variable holding the secret.
   */
  env?: string;
  /**
   * Path of a file holding the secret; refused unless its mode is 0600 or stricter.
   */
  file?: string;
} & {
  [k: string]: unknown;
};
export type PriceGlob = string;
/**
 * Prices per million tokens, for the cost on each outcome record and gatehouse_cost_total. The first entry whose upstream and model globs match prices the request; a model no entry matches gets no cost (counted in gatehouse_cost_unpriced_total), never a guess.
 */
export type Pricing = {
  /**
   * Upstream names (globs) the price is for. Default: any upstream.
   */
  upstream?: PriceGlob | [PriceGlob, ...PriceGlob[]];
  /**
   * Model names (globs: * any run of characters, ? one character), e.g. gpt-4o-mini*.
   */
  model: PriceGlob | [PriceGlob, ...PriceGlob[]];
  /**
   * ISO 4217 code of these prices. Default USD.
   */
  currency?: string;
  /**
   * Per million input tokens not read from or written to a prompt cache.
   */
  input: number;
  /**
   * Per million input tokens read from the prompt cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens). Default: input.
   */
  cachedInput?: number;
  /**
   * Per million input tokens written to the prompt cache (Anthropic cache_creation_input_tokens). Default: input.
   */
  cacheWriteInput?: number;
  /**
   * Per million output tokens.
   */
  output: number;
  /**
   * Per million reasoning tokens (the part of the output the provider reports as reasoning). Default: output.
   */
  reasoning?: number;
}[];

/**
 * Configuration of a Gatehouse gateway (gatehouse.yaml). Every section is optional; what is left out takes the embedded default.
 */
export interface GatehouseConfig {
  server?: Server;
  /**
   * Model servers requests are forwarded to. The first upstream whose pathPrefix and models match the request is chosen.
   */
  upstreams?: Upstream[];
  identity?: Identity;
  policy?: Policy;
  audit?: Audit;
  masking?: Masking;
  approvals?: Approvals;
  alerts?: Alerts;
  state?: State;
  usage?: Usage;
  pricing?: Pricing;
  telemetry?: Telemetry;
}
/**
 * Listeners, data directory and request limits.
 */
export interface Server {
  listen?: Listener;
  admin?: Listener1;
  /**
   * Who, among the principals verified by approvals.approverIdentity, may use the whole admin API: the audit log and its verification, policy and its reload, previews, metrics and every event. Anyone else verified there is an approver only: approvals, grants and approval events. The local admin token (<dataDir>/admin.token) always has the whole API. Default: nobody (approver tokens are approver-only).
   */
  admins?: {
    /**
     * Members of any of these groups are admins.
     */
    groups?: string[];
    /**
     * These subjects are admins: the token's sub claim, with its issuer ({ issuer, subject }) when more than one issuer is trusted for approver tokens.
     *
     * Items: A subject (the token's sub claim), optionally with the issuer that must have issued it. A bare subject is allowed only while one issuer is trusted for approver tokens (approvals.approverIdentity, the development issuer included when on); with more, name the issuer, or the same sub from another issuer would match.
     */
    subjects?: (
      | string
      | {
          /**
           * The issuer (iss) that must have issued the token.
           */
          issuer: string;
          /**
           * The token's sub claim.
           */
          subject: string;
        }
    )[];
  };
  /**
   * Where the audit log, keys and tokens live. Relative paths are resolved against the config file's folder. Default ./.gatehouse.
   */
  dataDir?: string;
  /**
   * Largest request body accepted, in bytes (413 above). Default 10 MiB.
   */
  maxBodyBytes?: number;
  /**
   * Largest request header block, in bytes. Default 16 KiB.
   */
  maxHeaderBytes?: number;
  /**
   * Addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32) of load balancers in front of the data listener. Only when the connection comes from one of them is its X-Forwarded-For believed (from the right, while each hop is trusted) to find the client address that the audit records and the upstream receives as X-Forwarded-For. Forwarded and X-Real-IP are never read. Default: none (the client is the connection's peer).
   */
  trustedProxies?: string[];
  /**
   * Time allowed for a client to send the whole request, headers and body. A request still arriving after it (e.g. a slowloris client trickling bytes) is answered 408 and closed within this time. Default 30000.
   */
  requestTimeoutMs?: number;
  /**
   * This instance within a fleet (state.store: postgres). Its id is generated once and kept in <dataDir>/instance-id.
   */
  instance?: {
    /**
     * A label for this instance (e.g. gw-a), shown next to its id. Default: the host name.
     */
    name?: string;
  };
}
/**
 * The data listener, where SDKs send requests. Default 127.0.0.1:8787.
 */
export interface Listener {
  /**
   * Address to bind. Loopback unless you mean to expose it.
   */
  host?: string;
  /**
   * TCP port; 0 picks a free one (the chosen address is printed at start).
   */
  port?: number;
}
/**
 * The admin listener (health, metrics, admin API). Default 127.0.0.1:8788; always authenticated.
 */
export interface Listener1 {
  /**
   * Address to bind. Loopback unless you mean to expose it.
   */
  host?: string;
  /**
   * TCP port; 0 picks a free one (the chosen address is printed at start).
   */
  port?: number;
}
/**
 * How callers prove who they are: short-lived OIDC/JWT access tokens, verified on every request (Authorization: Bearer, or x-api-key for Anthropic SDKs).
 */
export interface Identity {
  devIssuer?: DevIssuer;
  issuers?: Issuers;
  /**
   * Largest token accepted, in bytes; larger ones are refused (ERR_TOKEN_TOO_LARGE) before any parsing. Default 8192.
   */
  maxTokenBytes?: number;
  cache?: Cache;
  jwks?: Jwks;
}
/**
 * The built-in development issuer: an Ed25519 key pair generated in the data directory (dev-issuer.jwk.json, mode 0600); `gatehouse token` mints tokens with it and the admin listener serves its JWKS at /dev-issuer/jwks.json. For local use: the gateway logs a warning while it is on. A production config sets enabled: false.
 */
export interface DevIssuer {
  /**
   * Trust tokens from the development issuer. Default: on when no `issuers` are listed (the embedded default), off otherwise.
   */
  enabled?: boolean;
  /**
   * The `iss` of development tokens. Default urn:gatehouse:dev (a name, not an address: the gateway verifies them with the local key, no fetch).
   */
  issuer?: string;
  /**
   * The `aud` of development tokens and the audience required of them. Default gatehouse.
   */
  audience?: string;
  /**
   * Longest lifetime a development token may have (minting and verification). Default 3600.
   */
  maxTtlSeconds?: number;
  /**
   * Signing algorithm. Only EdDSA (Ed25519).
   */
  algorithm?: 'EdDSA';
}
/**
 * One trusted identity provider, e.g. Keycloak, Entra ID, Okta, GitHub Actions (https://token.actions.githubusercontent.com) or a Kubernetes service-account issuer.
 */
export interface TrustedIssuer {
  /**
   * The issuer exactly as it appears in the tokens' `iss` claim, e.g. https://keycloak.example.com/realms/ci. Its discovery document is read from <issuer>/.well-known/openid-configuration unless jwksUri is given. https, or http on a loopback address.
   */
  issuer: string;
  /**
   * Audience the token must be issued for (the `aud` claim must contain one of these).
   */
  audience: string | [string, ...string[]];
  /**
   * URL of the issuer's key set (JWKS). Default: the jwks_uri of its discovery document. https, or http on a loopback address.
   */
  jwksUri?: string;
  /**
   * Signature algorithms accepted. Default [RS256, ES256, EdDSA]. `none` and HMAC (HS*) are never accepted.
   *
   * @minItems 1
   */
  algorithms?: [
    'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519',
    ...('RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA' | 'Ed25519')[]
  ];
  /**
   * Longest lifetime accepted (`exp - iat`, and the age since `iat`), in seconds, e.g. 3600. Tokens minted for longer are refused: short-lived is enforced, not hoped for.
   */
  maxTokenLifetimeSeconds: number;
  /**
   * Clock skew allowed when checking exp, nbf and iat. Default 30.
   */
  clockToleranceSeconds?: number;
  /**
   * Claims every token must carry, in addition to exp, iat, iss and aud (always required) and the subject claim of the mapping.
   */
  requiredClaims?: string[];
  /**
   * Required `typ` header, e.g. at+jwt (RFC 9068 access tokens). Default: not checked.
   */
  typ?: string;
  /**
   * Refuse tokens that look like OpenID ID tokens (carrying nonce, at_hash or c_hash): an ID token proves a login to a client, not a grant to call an API. Default true.
   */
  rejectIdTokens?: boolean;
  claims?: ClaimMapping;
}
/**
 * Where the principal's fields are read from in the token. A path is dotted (realm_access.roles) or a JSON pointer (/resource_access/my.client/roles) for keys that contain dots.
 */
export interface ClaimMapping {
  /**
   * Path of the subject. Default sub (for Kubernetes service accounts: system:serviceaccount:<ns>:<name>).
   */
  subject?: string;
  /**
   * Paths tried in order for the client id. Default [azp, client_id].
   */
  clientId?: string[];
  /**
   * Paths whose values are merged into the groups policy matches on, e.g. [realm_access.roles] (Keycloak), [roles] (Entra ID), [groups]. Default [groups].
   */
  groups?: string[];
  /**
   * Extra principal attributes for policy matching: name → claim path, e.g. {repository: repository, workflow: workflow} for GitHub Actions.
   */
  attributes?: {
    [k: string]: string;
  };
}
/**
 * Cache of verified tokens, keyed by the token's SHA-256, each entry expiring with its token, so signatures are not re-verified on every request.
 */
export interface Cache {
  /**
   * Most tokens kept; the least recently used is dropped beyond it. 0 turns the cache off. Default 10000.
   */
  maxEntries?: number;
}
/**
 * How remote key sets (JWKS) are fetched. An unknown key id (`kid`) triggers a refetch, at most once per cooldown, so a rotated key is accepted without restart.
 */
export interface Jwks {
  /**
   * Time allowed for a discovery or JWKS request. Default 5000.
   */
  timeoutMs?: number;
  /**
   * Least time between two JWKS fetches triggered by unknown key ids. Default 30000.
   */
  cooldownMs?: number;
  /**
   * Age after which a cached key set is fetched again. Default 600000 (10 minutes).
   */
  cacheMaxAgeMs?: number;
}
/**
 * Where policies come from. Without paths, the embedded default policy applies: every authenticated caller is allowed, and audit records are masked with the default detectors.
 */
export interface Policy {
  /**
   * Policy files, or folders holding *.policy.yaml files. Relative paths are resolved against the config file's folder. Files are combined in the order listed; a folder contributes its *.policy.yaml files sorted by file name. Rule ids must be unique across all files.
   *
   * @minItems 1
   */
  paths?: [string, ...string[]];
  /**
   * Reload the policy when a policy file changes. A change that fails validation keeps the running policy and reports every error. Default true.
   */
  watch?: boolean;
  /**
   * How much prompt text content patterns scan: the first and last half of this many characters of a longer prompt. Default 65536 (64 KiB).
   */
  maxPromptScanBytes?: number;
}
/**
 * The audit log and its sinks: append-only, hash-chained JSON-lines segments under <dataDir>/audit, checkpoints signed with the gateway's Ed25519 key, streamed to SIEM sinks from a persisted cursor.
 */
export interface Audit {
  /**
   * Id of this replica's hash chain, stored in every record (chain id = replica id). Default: the chain id found in the existing log, else the one kept in <dataDir>/audit/chain-id, else a random UUID made at the first start and kept there (never the host name, which two hosts can share; the host is a label in each `start` record).
   */
  chainId?: string;
  /**
   * Start a new segment file once the active one reaches this size, in bytes. Default 64 MiB.
   */
  segmentMaxBytes?: number;
  /**
   * Start a new segment file once the active one is this old, in seconds. Default 86400 (one day).
   */
  segmentMaxAgeSeconds?: number;
  /**
   * Write a signed checkpoint after this many records. Default 1000.
   */
  checkpointEveryRecords?: number;
  /**
   * Deprecated: use checkpoint.maxSeconds (which wins when both are set).
   */
  checkpointIntervalSeconds?: number;
  /**
   * When signed checkpoints are written. Each one signs the chain head and the Merkle root of every record so far, goes to the sinks (it is a record) and to audit.witness: the records after the last witnessed checkpoint are the only ones root on this host could drop without a trace.
   */
  checkpoint?: {
    /**
     * A checkpoint at most this many seconds after the first record it covers, while records are written (none while idle). Also written at every start (after crash recovery too) and clean stop. Default 1.
     */
    maxSeconds?: number;
  };
  signingKey?: SecretRef2;
  /**
   * Where each checkpoint is sent outside this host, so that `gatehouse audit verify --witness` detects a truncated, rolled-back or re-signed log. url: a witness (`gatehouse witness serve`) that accepts a checkpoint only with a consistency proof that it extends the last one it accepted. file: a JSON-lines file each checkpoint is appended to (another mount, or a WORM bucket's sync folder); relative paths are resolved against the config file's folder.
   */
  witness?: {
    /**
     * The witness's checkpoint endpoint, e.g. https://witness.example/checkpoints.
     */
    url?: string;
    /**
     * A file each checkpoint is appended to as one JSON line (fsynced).
     */
    file?: string;
    token?: SecretRef3;
  };
  /**
   * Delete whole segments whose last record is older than this many days, except those a sink has not delivered yet (retention waits for it and logs a warning). Verification still succeeds from the first kept record (each segment starts with a checkpoint). Default: keep everything.
   */
  retentionDays?: number;
  /**
   * Largest (masked) request or response body stored in a record, in bytes; larger bodies are stored truncated with a flag. Default 65536.
   */
  maxBodyBytes?: number;
  /**
   * Extra file the latest signed checkpoint is exported to (the outside anchor for `gatehouse audit verify --anchor`). Relative paths are resolved against the config file's folder. The checkpoint is always written to <dataDir>/audit/anchor.json as well.
   */
  anchorFile?: string;
  /**
   * Keep the active segment zero-filled ahead of the writes, so each fdatasync has no file size to commit (about half its cost and latency on ext4/xfs). Readers stop at the zeros; finished segments are cut to their length. Turn it off on copy-on-write file systems (btrfs, ZFS), where it gains nothing, or when an outside tool follows the live segment by its size. Default true.
   */
  preallocateSegments?: boolean;
  /**
   * How long a batch may wait for more records before its write + fdatasync, in ms. 0 (default) syncs as soon as the previous sync finishes, which already batches everything that arrived meanwhile.
   */
  groupCommitMaxDelayMs?: number;
  /**
   * While the log cannot be written (disk full, unwritable), how often the record that closes the outage is tried, in ms. It is what brings the gateway back without a request: an instance that /readyz took out of rotation gets none. Default 5000.
   */
  outageRetryMs?: number;
  /**
   * Bounds the records an unauthenticated flood can write. Each source address (the TCP peer) gets its own record for its first `perSource` 401 refusals per interval (malformed HTTP always gets one: its connection closes); further 401s from it in that interval are counted into one `auth_failed_summary` record written at the interval's end, and they are answered only once that summary is durable (every refusal is still preceded by a durable record that counts it; a flood is slowed down to one interval). At most perSource + 1 records per address per interval, for at most maxSources addresses, plus one overflow summary.
   */
  authFailureRecords?: {
    /**
     * Refusals per source address and interval that get a record each. Default 10.
     */
    perSource?: number;
    /**
     * Length of the counting interval, in seconds; also the longest a refusal over the limit waits for its summary. Default 10.
     */
    intervalSeconds?: number;
    /**
     * Distinct source addresses tracked per interval, so a spray of addresses cannot grow memory or the log without bound. 401s from further addresses in that interval get no record of their own: they are all counted into one `auth_failed_summary` without `source` (details.overflow: maxSources and the first and last such address), durable before they are answered. Default 10000.
     */
    maxSources?: number;
  };
  /**
   * How many recent records the admin API answers from memory; older ones are read from the segment files. Default 10000.
   */
  recentRecords?: number;
  /**
   * At most this many bytes of records (as written to the log) are kept in memory for the admin API, whatever recentRecords says: records carry masked bodies of up to maxAuditBodyBytes each, so a count alone does not bound the memory. Older records are read from the segment files. Default 67108864 (64 MiB).
   */
  recentRecordsMaxBytes?: number;
  /**
   * Where records are streamed (SIEM). Each sink reads the durable log from its own persisted cursor: at-least-once delivery, the record id for de-duplication; a sink that is down falls behind and catches up.
   */
  sinks?: AuditSink[];
}
/**
 * Masking keys and bounds. The rules themselves live in the policy (spec.masking).
 */
export interface Masking {
  hashKey?: SecretRef5;
  /**
   * Largest request or response body kept (masked) in an audit record, in bytes; larger bodies are stored truncated and flagged. Default 262144 (256 KiB).
   */
  maxAuditBodyBytes?: number;
  /**
   * Largest non-streamed JSON response buffered to mask it for the client, in bytes; a larger one is refused with 502 (fail closed). Default 10485760 (10 MiB).
   */
  maxBufferedResponseBytes?: number;
  /**
   * Longest text held back in a streamed response while it could still grow into a sensitive value (e.g. a PEM block in progress); past it the held text is masked and released. Default 8192.
   */
  streamHoldbackMaxBytes?: number;
  /**
   * Detectors applied to every audit copy on top of the policy's rules. Default [all]; [] turns the default audit masking off.
   */
  auditDetectors?: (
    | 'card'
    | 'iban'
    | 'ssn'
    | 'email'
    | 'phone'
    | 'ip'
    | 'secret'
    | 'aws-key'
    | 'pem'
    | 'jwt'
    | 'bearer'
    | 'api-key'
    | 'github-token'
    | 'all'
  )[];
  /**
   * Regions whose national phone formats the phone detector recognizes, as ISO 3166-1 alpha-2 codes with a numbering plan (e.g. FR finds 01 23 45 67 89). Numbers in E.164 form (+ and country code) are recognized for every country whatever this lists. Default [US, GB, DE, FR, IN].
   */
  phoneRegions?: string[];
}
/**
 * How require_approval requests are held and who may decide them. Owned by the approvals work.
 */
export interface Approvals {
  /**
   * How long a request waits for approvers when its rule names no timeoutSeconds. Default 120.
   */
  defaultWaitSeconds?: number;
  /**
   * Upper bound on any rule's timeoutSeconds: longer waits are clamped to it. Keep it below your clients' own timeouts (the OpenAI SDK gives up after 600 s). Default 300.
   */
  maxWaitSeconds?: number;
  /**
   * Upper bound on any rule's grantTtlSeconds: longer grants are clamped to it. Default 86400 (one day).
   */
  maxGrantTtlSeconds?: number;
  /**
   * Interval of the `: waiting for approval` SSE comment sent to held streaming requests, so proxies and clients do not time the connection out. Default 15.
   */
  keepAliveSeconds?: number;
  /**
   * For streaming requests (stream: true), answer 200 with SSE headers at once and send keep-alive comments while waiting; a later denial or timeout then arrives as an SSE error event. When false, streaming requests are held without headers like the others and a denial is a plain 403. Default true.
   */
  streamKeepAlive?: boolean;
  /**
   * Most requests that may wait at once; beyond it new require_approval requests are refused with 503 (fail closed). Default 10000.
   */
  maxPending?: number;
  /**
   * How many decided, timed-out or withdrawn approvals are remembered for the admin API (GET /admin/approvals/{id} and the 409/410 answers). Default 1000.
   */
  historySize?: number;
  approverIdentity?: ApproverIdentity;
}
/**
 * How approvers prove who they are on the admin API: an identity section (the top-level identity's shape, plus the sign-in client) verified by a second identity service instance. Typically the same issuers as callers with a distinct audience (e.g. gatehouse-admin), so a caller's data-path token never works as an approver token. Leave it out to accept only the local admin token.
 */
export interface ApproverIdentity {
  devIssuer?: DevIssuer;
  issuers?: Issuers;
  /**
   * Largest token accepted, in bytes; larger ones are refused (ERR_TOKEN_TOO_LARGE) before any parsing. Default 8192.
   */
  maxTokenBytes?: number;
  cache?: Cache;
  jwks?: Jwks;
  client?: ApproverSignInClient;
}
/**
 * The OAuth client approvers sign in with from VS Code (Accounts menu, Connect to Gateway…). The admin listener advertises it, unauthenticated, at GET /.well-known/gatehouse-sign-in, so the user types only the admin URL. Register it at the identity provider as a public client (no secret) with the authorization code grant (PKCE, loopback redirect http://127.0.0.1/callback on any port, RFC 8252) and/or the device authorization grant (RFC 8628), and the refresh token grant. Its access tokens must pass this approverIdentity (issuer, audience, lifetime).
 */
export interface ApproverSignInClient {
  /**
   * The client id registered at the identity provider, e.g. gatehouse-vscode.
   */
  clientId: string;
  /**
   * Which of issuers the client signs in with (its issuer URL). Default: the only one listed; required when issuers lists several.
   */
  issuer?: string;
  /**
   * Scopes asked for. Default [openid, offline_access] (offline_access: a refresh token, so the session outlives one access token).
   */
  scopes?: string[];
  /**
   * Resource indicator (RFC 8707) sent with the authorization and token requests, for identity providers that pick the access token's audience from it. Default: none.
   */
  resource?: string;
  /**
   * The sign-in flows the client is registered for: authorization_code (browser on the same machine, PKCE, loopback redirect) and device_code (RFC 8628: code-server, Codespaces, remote). The extension picks one it can run. Default both.
   *
   * @minItems 1
   */
  grants?: ['authorization_code' | 'device_code', ...('authorization_code' | 'device_code')[]];
}
/**
 * Where alerts go. The alert rules themselves live in the policy (spec.alerts). Owned by the alerts work.
 */
export interface Alerts {
  /**
   * Webhook receivers; every alert is posted to each one whose minSeverity it reaches.
   */
  webhooks?: AlertWebhook[];
  /**
   * Redelivery of a webhook that failed (network error, timeout, 408, 429 or 5xx): exponential backoff with jitter.
   */
  retry?: {
    /**
     * Attempts per alert and webhook, the first included. Default 6.
     */
    maxAttempts?: number;
    /**
     * Delay before the first retry; each further retry doubles it, with jitter of up to half of it. Default 500.
     */
    initialDelayMs?: number;
    /**
     * Ceiling of the delay between two attempts. Default 60000.
     */
    maxDelayMs?: number;
  };
}
/**
 * One webhook receiver of alerts.
 */
export interface AlertWebhook {
  /**
   * Name used in logs.
   */
  name: string;
  /**
   * Where alerts are POSTed (http or https).
   */
  url: string;
  /**
   * Body shape: json (the alert as a JSON object) or slack (a Slack-compatible {text, blocks} message for incoming webhooks). Default json.
   */
  format?: 'json' | 'slack';
  secret?: SecretRef6;
  /**
   * Only alerts of this severity or above are sent here. Default info (all).
   */
  minSeverity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * Extra headers sent with each delivery.
   */
  headers?: {
    [k: string]: string;
  };
  /**
   * Time allowed for one attempt, response included. Default 10000.
   */
  timeoutMs?: number;
}
/**
 * Where the state that several gateway instances share lives: counters (rate windows, concurrency slots), and in a fleet approvals, grants, events and the audit index.
 */
export interface State {
  /**
   * embedded: one process keeps its state in memory (nothing to install). postgres: instances share it in PostgreSQL (state.postgres); masking.hashKey must then be set, so masked hashes correlate across instances. Default embedded.
   */
  store?: 'embedded' | 'postgres';
  /**
   * The PostgreSQL database of the fleet (version 12 or newer).
   */
  postgres?: {
    url: SecretRef7;
    /**
     * Schema holding Gatehouse's tables, created and migrated by `gatehouse db migrate` (or `serve --migrate`). Default gatehouse.
     */
    schema?: string;
    /**
     * Most connections this instance opens. Default 10.
     */
    poolSize?: number;
    /**
     * How long a request waits for a connection before it fails closed with 503 ERR_STATE_UNAVAILABLE. Default 2000.
     */
    connectTimeoutMs?: number;
  };
  /**
   * Where rate windows and concurrency slots live: in the state store (default: memory when embedded, PostgreSQL when postgres), or redis (state.redis).
   */
  counters?: 'embedded' | 'postgres' | 'redis';
  /**
   * The Redis server for state.counters: redis.
   */
  redis?: {
    url: SecretRef8;
    /**
     * Prefix of every key Gatehouse writes. Default gatehouse:.
     */
    keyPrefix?: string;
  };
  /**
   * An instance not heard from for this long (it refreshes its row every third of it) is gone: the approvals it held are marked abandoned, so the callers' retries ask again. Default 15.
   */
  instanceTimeoutSeconds?: number;
  /**
   * How often an idle instance looks at the fleet's webhook queue for deliveries it was not told of. Instances tell each other at once (NOTIFY) when they queue or reschedule one; this look is the fallback, for what was sent while an instance's LISTEN connection was down. Default 5.
   */
  webhookQueuePollSeconds?: number;
  /**
   * A concurrency slot is a lease renewed by the instance holding the request; when that instance dies, the slot frees itself after this long. Default 30.
   */
  leaseSeconds?: number;
}
/**
 * Token usage on every outcome record: the upstream's own figures, or the gateway's estimate when it reports none (README "Usage and cost").
 */
export interface Usage {
  /**
   * For an OpenAI chat/completions stream that did not ask for usage, add stream_options.include_usage: true to what goes upstream, and take out of what the client receives what that adds (the usage-only last chunk, the "usage":null member of the others), so the client gets the stream it asked for. Turn off for an upstream that refuses stream_options. Default true.
   */
  includeStreamUsage?: boolean;
  /**
   * When the upstream reports no usage (some local servers, a stream cut short): tokenizer counts prompt and output with OpenAI's o200k_base for OpenAI model names (marked estimated) and bytes ÷ 4 for other models (marked bytes); bytes uses bytes ÷ 4 for every model; none records no usage then. Default tokenizer.
   */
  estimate?: 'tokenizer' | 'bytes' | 'none';
}
/**
 * OpenTelemetry export. Off unless a section below is set; when off, nothing of it is loaded.
 */
export interface Telemetry {
  /**
   * Export a trace of each data-path request over OTLP/HTTP (JSON): a server span named by the GenAI semantic conventions ('chat gpt-4o': gen_ai.operation.name, gen_ai.request.model, gen_ai.response.model, gen_ai.usage.input_tokens/output_tokens when known) with the gateway's decision and rule (gatehouse.decision, gatehouse.rule), and child spans gatehouse.policy, gatehouse.approval_wait (only for held requests), gatehouse.audit_durability (the arrival and the outcome record's sync, told apart by gatehouse.audit.record) and gatehouse.upstream, whose context goes to the upstream as traceparent. A caller's valid traceparent makes the request span its child (and an unsampled caller trace is not recorded). Never bodies, prompts or tokens.
   */
  otlp?: {
    /**
     * The collector's OTLP/HTTP traces URL, e.g. http://127.0.0.1:4318/v1/traces.
     */
    endpoint: string;
    /**
     * Headers sent with each export, e.g. a tracing backend's API key: each value is a secretRef (env or a 0600 file), read at start.
     */
    headers?: {
      [k: string]: SecretRef;
    };
    /**
     * The service.name resource attribute. Default gatehouse.
     */
    serviceName?: string;
  };
}
