/* Generated from schemas/gatehouse.policy.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

/**
 * An endpoint kind (see EndpointKind in gateway/core/types.ts).
 */
export type Endpoint =
  | 'chat'
  | 'completions'
  | 'responses'
  | 'embeddings'
  | 'fine-tuning'
  | 'files'
  | 'models'
  | 'messages'
  | 'images'
  | 'audio'
  | 'moderations'
  | 'batches'
  | 'other';
/**
 * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
 */
export type Globs = string | [string, ...string[]];
/**
 * Tokens per window (fixed windows), counted from each answer's usage. Before forwarding, the prompt (bytes ÷ 4) and max_tokens are reserved; a request the reservation would take past a limit answers 429 ERR_LIMIT_TOKENS with Retry-After and the window's reset. A stream that goes past its reservation is not cut; what it used counts.
 */
export type Tokens = {
  [k: string]: unknown;
} & {
  /**
   * Input + output tokens per window.
   */
  total?: number;
  /**
   * Input tokens per window.
   */
  input?: number;
  /**
   * Output tokens per window.
   */
  output?: number;
  /**
   * Window length.
   */
  per: number | string;
  scope?: BudgetScope;
  alertAt?: BudgetAlertAt;
};
/**
 * Who shares a token or spend budget: principal (each caller its own, the default), group (each of the caller's groups one, shared by its members; a caller without groups counts alone), rule (everyone the rule lets through).
 */
export type BudgetScope = 'principal' | 'group' | 'rule';
/**
 * Fractions of the limit at which the budget warns (0 < f ≤ 1, e.g. [0.8, 1]): when a window's count first reaches f × the limit, an alert fires (the alert.fired admin event, the alerts.webhooks channels, an alert audit record) naming the rule, limit, holder, fraction, used/limit and the reset; once per fraction, holder and window, across the fleet. The count is what admission checks: settled usage plus the reservations of requests in flight.
 *
 * @minItems 1
 */
export type BudgetAlertAt = [number, ...number[]];
/**
 * Masking rules. Unlike rules, every masking rule whose match holds applies.
 */
export type MaskingRules = Rule1[];
/**
 * Model names (globs: * any characters, ? one) the rule watches, e.g. gpt-4o* or o1-*.
 *
 * @minItems 1
 */
export type ModelGlobs = [string, ...string[]];
/**
 * Policy decisions counted (allow, deny, require_approval).
 *
 * @minItems 1
 */
export type Decisions = ['allow' | 'deny' | 'require_approval', ...('allow' | 'deny' | 'require_approval')[]];
/**
 * Alert rules: bursts of denials, restricted-model attempts, volume thresholds.
 *
 * Items: One alert rule, chosen by its kind.
 */
export type AlertRules = (
  | DenialBurstAlertRule
  | RestrictedModelAlertRule
  | RequestVolumeAlertRule
  | ApprovalTimeoutAlertRule
  | AuditFailureAlertRule
  | SinkFailureAlertRule
)[];

/**
 * A Gatehouse policy file (*.policy.yaml): who may call which model and endpoint, within which limits, and what is blocked outright. Deny lists are checked first, then rules in order; the first matching rule decides.
 */
export interface GatehousePolicy {
  /**
   * Version of the policy format. Always gatehouse.dev/v1.
   */
  apiVersion: 'gatehouse.dev/v1';
  /**
   * Kind of document. Always Policy.
   */
  kind: 'Policy';
  /**
   * Name and description of this policy file.
   */
  metadata: {
    /**
     * Short name of the policy, shown in audit records and the editor.
     */
    name: string;
    /**
     * What this policy is for, in a sentence or two.
     */
    description?: string;
  };
  spec: Spec;
  /**
   * Examples the policy must decide as expected; `gatehouse policy test` runs them. Each names a principal, a request and the expected action, rule and masking rules.
   */
  tests?: Test[];
}
/**
 * The policy itself. Its canonical JSON's SHA-256 is the policy version written into every audit record.
 */
export interface Spec {
  /**
   * What happens when no rule matches. deny unless set. When several policy files are combined, the ones that set it must agree.
   */
  defaultAction?: 'allow' | 'deny' | 'require_approval';
  /**
   * Prompt patterns blocked outright, checked before any rule (for example attempts to extract the system prompt). A match answers 403 ERR_POLICY_DENY_LIST naming the entry's id.
   */
  denyContent?: DenyContentEntry[];
  /**
   * Endpoints blocked outright, checked before any rule (for example model export paths). A match answers 403 ERR_POLICY_DENY_LIST naming the entry's id.
   */
  denyEndpoints?: DenyEndpointEntry[];
  /**
   * Ordered rules: the first rule whose match holds decides the action. Think of a firewall: put narrow rules first and broad ones last.
   */
  rules?: Rule[];
  masking?: MaskingRules;
  alerts?: AlertRules;
}
/**
 * A prompt pattern that is always refused.
 */
export interface DenyContentEntry {
  /**
   * Stable id, shown in errors to clients, audit records and explain traces. Unique across all policy files.
   */
  id: string;
  /**
   * Regular expression (JavaScript syntax, case-insensitive) over the prompt text. Runs on a linear-time engine (RE2 syntax): lookahead, lookbehind and backreferences are refused at load.
   */
  pattern: string;
  /**
   * Why this is blocked; shown in explain traces.
   */
  description?: string;
}
/**
 * An endpoint that is always refused: matches when the path matches one of `paths` or the endpoint kind is one of `endpoints` (at least one of the two is required) and, if `methods` is given, the method is listed.
 */
export interface DenyEndpointEntry {
  /**
   * Stable id, shown in errors to clients, audit records and explain traces. Unique across all policy files.
   */
  id: string;
  /**
   * Path glob(s).
   */
  paths?: string | [string, ...string[]];
  /**
   * Endpoint kind(s).
   *
   * @minItems 1
   */
  endpoints?: [Endpoint, ...Endpoint[]];
  /**
   * HTTP method(s); default any.
   *
   * @minItems 1
   */
  methods?: [
    'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS',
    ...('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS')[]
  ];
  /**
   * Why this is blocked; shown in explain traces.
   */
  description?: string;
}
/**
 * One rule: when `match` holds, `action` is taken (within `limits`).
 */
export interface Rule {
  /**
   * Stable id, shown in errors to clients, audit records and explain traces. Unique across all policy files.
   */
  id: string;
  /**
   * Why the rule exists; shown in explain traces.
   */
  description?: string;
  match?: Match;
  /**
   * allow: forward; deny: answer 403 ERR_POLICY_DENIED naming this rule; require_approval: hold until an approver decides.
   */
  action: 'allow' | 'deny' | 'require_approval';
  limits?: Limits;
  approval?: Approval;
}
/**
 * Conditions on the request. All conditions given must hold; within a list, any entry may match. An empty or missing match matches every request.
 */
export interface Match {
  /**
   * Conditions on the verified caller.
   */
  principal?: {
    /**
     * The token's subject (sub), as glob(s).
     */
    subject?: string | [string, ...string[]];
    /**
     * The caller must be in at least one of these groups.
     *
     * @minItems 1
     */
    groups?: [string, ...string[]];
    /**
     * The token's issuer (iss), as glob(s).
     */
    issuer?: string | [string, ...string[]];
    /**
     * The OAuth client id (azp / client_id), as glob(s).
     */
    clientId?: string | [string, ...string[]];
    /**
     * Other mapped claims (e.g. repository, workflow): each listed attribute must be present and match its glob(s).
     */
    attributes?: {
      [k: string]: Globs;
    };
  };
  /**
   * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
   */
  upstream?: string | [string, ...string[]];
  /**
   * Kind(s) of endpoint, independent of the provider's path spelling.
   *
   * @minItems 1
   */
  endpoints?: [Endpoint, ...Endpoint[]];
  /**
   * HTTP method(s), upper case.
   *
   * @minItems 1
   */
  methods?: [
    'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS',
    ...('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS')[]
  ];
  /**
   * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
   */
  paths?: string | [string, ...string[]];
  /**
   * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
   */
  models?: string | [string, ...string[]];
  /**
   * true: only streaming requests; false: only non-streaming ones.
   */
  stream?: boolean;
  /**
   * Regular expressions (JavaScript syntax, case-insensitive) over the prompt text (messages, input, system, prompt); any may match. They run on a linear-time engine (RE2 syntax): lookahead, lookbehind and backreferences are refused at load. Only the first and last maxPromptScanBytes/2 of a long prompt are scanned.
   *
   * @minItems 1
   */
  content?: [string, ...string[]];
}
/**
 * Limits enforced on requests this rule lets through (allow or require_approval).
 */
export interface Limits {
  /**
   * Largest request body in bytes; larger answers 413 ERR_POLICY_BODY_TOO_LARGE.
   */
  maxBodyBytes?: number;
  /**
   * Largest max_tokens / max_output_tokens / max_completion_tokens. A request that sets none gets this value added.
   */
  maxTokens?: number;
  /**
   * reject (default): a larger value answers 400 ERR_POLICY_MAX_TOKENS; clamp: it is lowered to maxTokens before forwarding.
   */
  maxTokensMode?: 'reject' | 'clamp';
  /**
   * Requests per window per principal (fixed windows); above it answers 429 ERR_POLICY_RATE_LIMITED with Retry-After.
   */
  rate?: {
    /**
     * Requests allowed per window.
     */
    requests: number;
    /**
     * Window length.
     */
    per: number | string;
  };
  /**
   * Requests in flight at once per principal; above it answers 429 ERR_POLICY_CONCURRENCY.
   */
  concurrent?: number;
  tokens?: Tokens;
  spend?: Spend;
}
/**
 * Cost per window at the gateway's prices (config pricing). Before forwarding, the prompt and max_tokens are reserved at the model's price; a request the reservation would take past the amount answers 429 ERR_LIMIT_SPEND with Retry-After and the window's reset; a model without a price is refused (403 ERR_LIMIT_SPEND_UNPRICED): a budget is not kept with a guess.
 */
export interface Spend {
  /**
   * The budget per window, in units of the currency.
   */
  amount: number;
  /**
   * ISO 4217 code; only prices in this currency count toward it.
   */
  currency: string;
  /**
   * Window length.
   */
  per: number | string;
  scope?: BudgetScope;
  alertAt?: BudgetAlertAt;
}
/**
 * Who approves a require_approval rule's requests, and for how long an approval holds.
 */
export interface Approval {
  /**
   * Who may approve: members of any listed group, or any listed subject. The requester can never approve their own request.
   */
  approvers?: {
    /**
     * Approver groups.
     */
    groups?: string[];
    /**
     * Approver subjects: the token's sub claim, with its issuer ({ issuer, subject }) when more than one issuer is trusted for approver tokens.
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
   * Distinct approvals needed. Default 1.
   */
  minApprovals?: number;
  /**
   * How long the request is held before it is refused with 403 approval_timeout (e.g. 90s, 2m). Bounded by the gateway's approvals.maxWaitSeconds. Default 2m.
   */
  timeout?: number | string;
  /**
   * After an approval, the same principal may repeat a call matching the same rule for the same model without asking again for this long. Default: no grant.
   */
  grantTtl?: number | string;
}
/**
 * One masking rule.
 */
export interface Rule1 {
  /**
   * Unique name of the rule: named in decisions (decision.masks) and in mask reports.
   */
  name: string;
  /**
   * What the rule protects and why (shown in previews and reviews).
   */
  description?: string;
  match?: Match1;
  /**
   * Detectors to run. Omitted: none except the rule's custom detectors (useful with mask-whole fields only).
   *
   * Items: A built-in detector (card, iban, ssn, email, phone, ip, secret, aws-key, pem, jwt, bearer, api-key, github-token), 'all' for every built-in detector, or the name of a custom detector defined in this rule. 'secret' selects every secret detector (aws-key, pem, jwt, bearer, api-key, github-token and key=value secret assignments).
   */
  detectors?: (
    | (
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
      )
    | string
  )[];
  /**
   * Limit detection to these JSON paths and/or mask whole fields. Omitted: the detectors run on every string value of the body.
   */
  fields?: Field[];
  /**
   * Custom regex detectors of this rule. They run together with the listed detectors.
   */
  custom?: Custom[];
  /**
   * How a value is replaced: placeholder gives [REDACTED:CARD]; partial keeps the last four characters (****1111); hash gives a keyed HMAC-SHA256 token ([CARD:3f9a1c2b]) so equal values map to equal tokens without exposing them (key: masking.hashKey in the gateway config). Default placeholder.
   */
  style?: 'placeholder' | 'partial' | 'hash';
  /**
   * Where the rule masks: audit (the audit log and its sinks), upstream (the request before it reaches the model), client (the response before it leaves the gateway). The audit copy is always masked by every applicable rule, so audit is implied. Default: all three.
   *
   * @minItems 1
   */
  where?: ['audit' | 'upstream' | 'client', ...('audit' | 'upstream' | 'client')[]];
  /**
   * Matches with a lower confidence are ignored, 0..1. Default 0.5 (bare 9-digit SSNs, AWS secret keys and phone numbers in national format need context to pass).
   */
  minConfidence?: number;
}
/**
 * Which requests the rule applies to (same matcher as policy rules: principal, model, endpoint, ...). Omitted: every request.
 */
export interface Match1 {
  /**
   * Conditions on the verified caller.
   */
  principal?: {
    /**
     * The token's subject (sub), as glob(s).
     */
    subject?: string | [string, ...string[]];
    /**
     * The caller must be in at least one of these groups.
     *
     * @minItems 1
     */
    groups?: [string, ...string[]];
    /**
     * The token's issuer (iss), as glob(s).
     */
    issuer?: string | [string, ...string[]];
    /**
     * The OAuth client id (azp / client_id), as glob(s).
     */
    clientId?: string | [string, ...string[]];
    /**
     * Other mapped claims (e.g. repository, workflow): each listed attribute must be present and match its glob(s).
     */
    attributes?: {
      /**
       * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
       */
      [k: string]: string | [string, ...string[]];
    };
  };
  /**
   * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
   */
  upstream?: string | [string, ...string[]];
  /**
   * Kind(s) of endpoint, independent of the provider's path spelling.
   *
   * @minItems 1
   *
   * Items: An endpoint kind (see EndpointKind in gateway/core/types.ts).
   */
  endpoints?: [
    (
      | 'chat'
      | 'completions'
      | 'responses'
      | 'embeddings'
      | 'fine-tuning'
      | 'files'
      | 'models'
      | 'messages'
      | 'images'
      | 'audio'
      | 'moderations'
      | 'batches'
      | 'other'
    ),
    ...(
      | 'chat'
      | 'completions'
      | 'responses'
      | 'embeddings'
      | 'fine-tuning'
      | 'files'
      | 'models'
      | 'messages'
      | 'images'
      | 'audio'
      | 'moderations'
      | 'batches'
      | 'other'
    )[]
  ];
  /**
   * HTTP method(s), upper case.
   *
   * @minItems 1
   */
  methods?: [
    'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS',
    ...('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS')[]
  ];
  /**
   * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
   */
  paths?: string | [string, ...string[]];
  /**
   * One glob or a list of globs (any may match). `*` matches any run of characters (including `/`), `?` matches one character; everything else matches itself.
   */
  models?: string | [string, ...string[]];
  /**
   * true: only streaming requests; false: only non-streaming ones.
   */
  stream?: boolean;
  /**
   * Regular expressions (JavaScript syntax, case-insensitive) over the prompt text (messages, input, system, prompt); any may match. They run on a linear-time engine (RE2 syntax): lookahead, lookbehind and backreferences are refused at load. Only the first and last maxPromptScanBytes/2 of a long prompt are scanned.
   *
   * @minItems 1
   */
  content?: [string, ...string[]];
}
/**
 * A JSON field rule: where in the body, and what to do there.
 */
export interface Field {
  /**
   * JSON path of the value: $ is the body, .name a key, ['name'] a key with odd characters, [n] an array index, [*] or .* every element or key, ..name a key at any depth. Example: $.messages[*].content, $.metadata.patient_id, $.input[*].
   */
  path: string;
  /**
   * mask-whole replaces the whole value (any type) with one token; detect runs the rule's detectors on the strings under this path only. Default detect.
   */
  action?: 'mask-whole' | 'detect';
}
/**
 * A custom regex detector, usable by name in this rule's detectors.
 */
export interface Custom {
  /**
   * Name used in detectors, placeholders ([REDACTED:NAME]) and mask reports. Lowercase letters, digits and dashes.
   */
  name: string;
  /**
   * JavaScript regular expression (without slashes) matching the whole sensitive value. It runs on a linear-time engine (RE2 syntax): lookahead, lookbehind, backreferences and patterns that match the empty string are refused when the policy loads.
   */
  pattern: string;
  /**
   * Confidence of a match without context, 0..1. Default 0.8. Matches below the rule's minConfidence are ignored.
   */
  confidence?: number;
  /**
   * Words that raise a match's confidence by 0.4 when one of them appears within 48 characters before it (case-insensitive). Use with a low confidence to require context.
   */
  context?: string[];
  /**
   * Match the pattern case-insensitively. Default false.
   */
  ignoreCase?: boolean;
}
/**
 * Fires when one principal is denied by the policy at least threshold times within windowSeconds.
 */
export interface DenialBurstAlertRule {
  /**
   * Fires when one principal is denied by the policy at least threshold times within windowSeconds.
   */
  kind: 'denial_burst';
  /**
   * Unique name of the rule, shown in alerts and audit records.
   */
  id: string;
  /**
   * What the rule is for; included in the alert text.
   */
  description?: string;
  /**
   * How urgent the alert is; webhooks may ask only for some severities (alerts.webhooks[].minSeverity). Default medium.
   */
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * After firing, the rule stays quiet for the same principal (or sink) this long, so one incident is one alert. Default 300.
   */
  cooldownSeconds?: number;
  /**
   * Denials in the window that make a burst. Default 5.
   */
  threshold?: number;
  /**
   * Length of the sliding window the events are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
}
/**
 * Fires when a principal attempts a model matching models (whatever the decision, unless decisions narrows it) at least threshold times within windowSeconds.
 */
export interface RestrictedModelAlertRule {
  /**
   * Fires when a principal attempts a model matching models (whatever the decision, unless decisions narrows it) at least threshold times within windowSeconds.
   */
  kind: 'restricted_model';
  /**
   * Unique name of the rule, shown in alerts and audit records.
   */
  id: string;
  /**
   * What the rule is for; included in the alert text.
   */
  description?: string;
  /**
   * How urgent the alert is; webhooks may ask only for some severities (alerts.webhooks[].minSeverity). Default medium.
   */
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * After firing, the rule stays quiet for the same principal (or sink) this long, so one incident is one alert. Default 300.
   */
  cooldownSeconds?: number;
  models: ModelGlobs;
  decisions?: Decisions;
  /**
   * Attempts in the window that fire the alert. Default 1 (every attempt, subject to the cooldown).
   */
  threshold?: number;
  /**
   * Length of the sliding window the events are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
}
/**
 * Fires when one principal's requests in a window exceed a static threshold, or exceed factor times its own recent baseline (an exponentially weighted moving average of past windows). With neither threshold nor factor, factor 5 applies.
 */
export interface RequestVolumeAlertRule {
  /**
   * Fires when one principal's requests in a window exceed a static threshold, or exceed factor times its own recent baseline (an exponentially weighted moving average of past windows). With neither threshold nor factor, factor 5 applies.
   */
  kind: 'request_volume';
  /**
   * Unique name of the rule, shown in alerts and audit records.
   */
  id: string;
  /**
   * What the rule is for; included in the alert text.
   */
  description?: string;
  /**
   * How urgent the alert is; webhooks may ask only for some severities (alerts.webhooks[].minSeverity). Default medium.
   */
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * After firing, the rule stays quiet for the same principal (or sink) this long, so one incident is one alert. Default 300.
   */
  cooldownSeconds?: number;
  /**
   * Length of the tumbling window requests are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
  /**
   * Fire when a principal makes more requests than this in one window.
   */
  threshold?: number;
  /**
   * Fire when a principal's requests in one window exceed factor times its baseline (e.g. 5 for five times the usual volume). Default 5 when threshold is not given.
   */
  factor?: number;
  /**
   * Half-life of the baseline's moving average, in windows: older windows weigh half as much after this many. Default 10.
   */
  baselineHalfLifeWindows?: number;
  /**
   * Windows a principal must have been seen in before the baseline is trusted (no baseline alert before). Default 5.
   */
  warmupWindows?: number;
  /**
   * Never fire on the baseline below this many requests in a window, so a quiet principal doing a little more is not an incident. Default 20.
   */
  minRequests?: number;
}
/**
 * Fires when requests of one principal time out waiting for approval at least threshold times within windowSeconds.
 */
export interface ApprovalTimeoutAlertRule {
  /**
   * Fires when requests of one principal time out waiting for approval at least threshold times within windowSeconds.
   */
  kind: 'approval_timeout';
  /**
   * Unique name of the rule, shown in alerts and audit records.
   */
  id: string;
  /**
   * What the rule is for; included in the alert text.
   */
  description?: string;
  /**
   * How urgent the alert is; webhooks may ask only for some severities (alerts.webhooks[].minSeverity). Default medium.
   */
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * After firing, the rule stays quiet for the same principal (or sink) this long, so one incident is one alert. Default 300.
   */
  cooldownSeconds?: number;
  /**
   * Timeouts in the window that fire the alert. Default 1.
   */
  threshold?: number;
  /**
   * Length of the sliding window the events are counted in, in seconds. Default 60.
   */
  windowSeconds?: number;
}
/**
 * Fires when the audit log fails to write (the gateway then refuses requests: fail closed).
 */
export interface AuditFailureAlertRule {
  /**
   * Fires when the audit log fails to write (the gateway then refuses requests: fail closed).
   */
  kind: 'audit_failure';
  /**
   * Unique name of the rule, shown in alerts and audit records.
   */
  id: string;
  /**
   * What the rule is for; included in the alert text.
   */
  description?: string;
  /**
   * How urgent the alert is; webhooks may ask only for some severities (alerts.webhooks[].minSeverity). Default medium.
   */
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * After firing, the rule stays quiet for the same principal (or sink) this long, so one incident is one alert. Default 300.
   */
  cooldownSeconds?: number;
}
/**
 * Fires when an audit sink (SIEM, syslog, HTTP, file) fails to deliver.
 */
export interface SinkFailureAlertRule {
  /**
   * Fires when an audit sink (SIEM, syslog, HTTP, file) fails to deliver.
   */
  kind: 'sink_failure';
  /**
   * Unique name of the rule, shown in alerts and audit records.
   */
  id: string;
  /**
   * What the rule is for; included in the alert text.
   */
  description?: string;
  /**
   * How urgent the alert is; webhooks may ask only for some severities (alerts.webhooks[].minSeverity). Default medium.
   */
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * After firing, the rule stays quiet for the same principal (or sink) this long, so one incident is one alert. Default 300.
   */
  cooldownSeconds?: number;
  /**
   * Names of the sinks watched. Default: all.
   *
   * @minItems 1
   */
  sinks?: [string, ...string[]];
}
/**
 * A sample call and what the policy must decide for it.
 */
export interface Test {
  /**
   * What the test shows, printed by `gatehouse policy test`.
   */
  name: string;
  /**
   * The caller.
   */
  principal: {
    /**
     * Token subject.
     */
    subject: string;
    /**
     * Token issuer. Default https://issuer.test.
     */
    issuer?: string;
    /**
     * OAuth client id.
     */
    clientId?: string;
    /**
     * Groups. Default none.
     */
    groups?: string[];
    /**
     * Other mapped claims.
     */
    attributes?: {
      [k: string]: string | string[];
    };
  };
  /**
   * The call. Unset fields take defaults: endpoint chat, method POST, the endpoint's usual OpenAI path, upstream default, not streaming, empty prompt.
   */
  request: {
    endpoint?: Endpoint;
    /**
     * HTTP method. Default POST (GET for models).
     */
    method?: string;
    /**
     * Request path. Default the endpoint's usual OpenAI path, e.g. /v1/chat/completions.
     */
    path?: string;
    /**
     * Upstream name. Default default.
     */
    upstream?: string;
    /**
     * Model name.
     */
    model?: string;
    /**
     * Streaming request. Default false.
     */
    stream?: boolean;
    /**
     * Prompt text the content patterns see.
     */
    prompt?: string;
    /**
     * max_tokens of the request.
     */
    maxTokens?: number;
    /**
     * Body size in bytes. Default the prompt's length plus 100.
     */
    bodyBytes?: number;
  };
  /**
   * The expected decision. Only what is given is checked.
   */
  expect: {
    /**
     * Expected action.
     */
    action: 'allow' | 'deny' | 'require_approval';
    /**
     * Expected deciding rule or deny-list entry id, or default.
     */
    rule?: string;
    /**
     * Expected masking rule names (exactly these, in any order).
     */
    masks?: string[];
    /**
     * The token and spend budgets the request is expected to count against, as the deciding rule's limits write them (tokens, spend; exactly these: {} expects none). Windows compare by length (1h = 60m = 3600).
     */
    budgets?: {
      tokens?: Tokens;
      spend?: Spend;
    };
  };
}
