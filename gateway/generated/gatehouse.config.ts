/* Generated from schemas/gatehouse.config.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

export type Upstream = {
  /**
   * Name used in policies (route match) and audit records.
   */
  name: string;
  /**
   * Base URL of the model server, e.g. https://api.openai.com or http://127.0.0.1:11434. The client's path is appended to it (a path in the URL is kept as a prefix).
   */
  url?: string;
  /**
   * Run the built-in demo model (an echo server, not a real model) on a loopback port and forward to it. For trying the gateway without a model server.
   */
  demo?: boolean;
  /**
   * Only requests whose path starts with this prefix go to this upstream. Default /.
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
}
/**
 * Listeners, data directory and request limits.
 */
export interface Server {
  listen?: Listener;
  admin?: Listener1;
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
   * Time allowed for a client to send the whole request body. Default 30000.
   */
  requestTimeoutMs?: number;
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
 * How callers prove who they are. Owned by the identity work.
 */
export interface Identity {}
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
 * The audit log and its sinks. Owned by the audit work.
 */
export interface Audit {}
/**
 * Masking keys and defaults. Owned by the masking work.
 */
export interface Masking {}
/**
 * Approval defaults. Owned by the approvals work.
 */
export interface Approvals {}
/**
 * Alert delivery. Owned by the alerts work.
 */
export interface Alerts {}
