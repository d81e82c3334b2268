/**
 * Types shared by the gateway, the CLI and the extension. Pure data: no Node, no VS Code.
 * Owners: identity fills Principal, routing fills InferenceRequest, policy returns Decision,
 * masking returns MaskReportEntry. Each area may add optional fields; do not rename.
 */

import type { SubjectEntry } from './principal-list';

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

export type PolicyAction = 'allow' | 'deny' | 'require_approval';

/** One rule's verdict in the explain trace. */
export interface ExplainStep {
  rule: string;
  matched: boolean;
  /** Why it matched or which condition failed, e.g. "model gpt-4o does not match gpt-4o-mini*". */
  reason: string;
}

export interface DecisionLimits {
  maxBodyBytes?: number;
  maxTokens?: number;
  /** 'reject' (default) or 'clamp' max_tokens to maxTokens. */
  maxTokensMode?: 'reject' | 'clamp';
  rate?: { requests: number; windowSeconds: number };
  concurrent?: number;
  /** Tokens per window (issue 21): reserved before forwarding, settled with the answer's usage. */
  tokens?: { total?: number; input?: number; output?: number; windowSeconds: number; scope: BudgetScope };
  /** Cost per window at the gateway's prices. */
  spend?: { amount: number; currency: string; windowSeconds: number; scope: BudgetScope };
}

/** Who shares a budget: each caller, each of the caller's groups, or everyone the rule lets through. */
export type BudgetScope = 'principal' | 'group' | 'rule';

/** The policy's answer for one request. Pure data; the gateway enforces it. */
export interface Decision {
  action: PolicyAction;
  /** The deciding rule's id, or "default" when no rule matched. */
  rule: string;
  reasons: string[];
  limits: DecisionLimits;
  /** Names of masking rules that apply to this request. */
  masks: string[];
  /** Approval settings of a require_approval rule (consumed by approvals). */
  approval?: {
    approvers: { groups?: string[]; subjects?: SubjectEntry[] };
    minApprovals: number;
    timeoutSeconds: number;
    grantTtlSeconds?: number;
  };
  explain: ExplainStep[];
  /** Content hash of the policy snapshot that decided. */
  policyVersion: string;
  /** Set when a deny list (spec.denyContent / spec.denyEndpoints) decided, rather than a rule. */
  denyList?: 'content' | 'endpoint';
}

/** One line of a mask report: never the original value. */
export interface MaskReportEntry {
  rule: string;
  detector: string;
  /** JSON path of the value, e.g. $.messages[0].content */
  path: string;
  count: number;
  /** Which body: the request (default) or the response. */
  part?: 'request' | 'response';
  /** The copies the value was masked in (audit always; upstream/client where a rule says so). */
  where?: ('audit' | 'upstream' | 'client')[];
}
