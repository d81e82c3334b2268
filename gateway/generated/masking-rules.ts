/* Generated from schemas/masking-rules.schema.json by scripts/gen-types.mjs. Do not edit; run npm run gen:types. */

/**
 * A built-in detector (card, iban, ssn, email, phone, ip, secret, aws-key, pem, jwt, bearer, api-key, github-token), 'all' for every built-in detector, or the name of a custom detector defined in this rule. 'secret' selects every secret detector (aws-key, pem, jwt, bearer, api-key, github-token and key=value secret assignments).
 */
export type DetectorName =
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
  | string;
/**
 * Masking rules of a policy (spec.masking). Every rule whose match fits the request applies (they are not first-match); together they decide what is masked in the audit copy, in the request sent upstream and in the response sent to the client.
 */
export type MaskingRules = Rule[];

/**
 * One masking rule.
 */
export interface Rule {
  /**
   * Unique name of the rule: named in decisions (decision.masks) and in mask reports.
   */
  name: string;
  /**
   * What the rule protects and why (shown in previews and reviews).
   */
  description?: string;
  match?: Match;
  /**
   * Detectors to run. Omitted: none except the rule's custom detectors (useful with mask-whole fields only).
   */
  detectors?: DetectorName[];
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
