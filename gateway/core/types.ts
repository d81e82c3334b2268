/**
 * Types shared by the gateway, the CLI and the extension. Pure data: no Node, no VS Code.
 * Owners: identity fills Principal, routing fills InferenceRequest, policy returns Decision,
 * masking returns MaskReportEntry. Each area may add optional fields; do not rename.
 */

/** The verified caller. Filled by identity from the token's claims. */
export interface Principal {
  issuer: string;
  subject: string;
  clientId?: string;
  groups: string[];
  /** The token's `jti`, when it has one. */
  tokenId?: string;
  /** Token expiry, seconds since the epoch. */
  expiresAt?: number;
  /** SHA-256 (base64url) of the raw token: lets audit correlate without holding the token. */
  tokenHash?: string;
  /** Other mapped claims (e.g. repository, workflow) for policy matching. */
  attributes?: Record<string, string | string[]>;
}

export const endpointKinds = [
  'chat', 'completions', 'responses', 'embeddings', 'fine-tuning', 'files', 'models', 'messages',
  'images', 'audio', 'moderations', 'batches', 'other',
] as const;
/** What the call is, independent of the provider's path spelling. */
export type EndpointKind = (typeof endpointKinds)[number];

/** What routing and body parsing learned about the request: the input of policy and masking. */
export interface InferenceRequest {
  method: string;
  /** Path as sent by the client, without the query string. */
  path: string;
  endpoint: EndpointKind;
  /** The upstream's configured name. */
  upstream: string;
  model?: string;
  stream: boolean;
  /** The prompt text policy content patterns see: messages, input, system, prompt, joined by newlines. */
  promptText: string;
  /** max_tokens / max_output_tokens / max_completion_tokens when present. */
  maxTokens?: number;
  /** Raw body size in bytes. */
  bodyBytes: number;
}

// The policy's answer and the mask report are part of the admin API's wire contract (decision
// previews, the explain trace, audit records): one definition, generated from
// schemas/admin-api.openapi.yaml. Pure data; the gateway enforces a Decision.
export type {
  BudgetScope,
  Decision,
  DecisionLimits,
  ExplainStep,
  MaskReportEntry,
  PolicyAction,
} from '../generated/admin-api';
