/**
 * Stage: evaluate the policy and enforce what it decided.
 *
 * Rules enforced:
 * - deny lists (spec.denyContent, spec.denyEndpoints) → 403 ERR_POLICY_DENY_LIST naming the entry id;
 * - a deny rule or the deny default → 403 ERR_POLICY_DENIED naming the rule id;
 * - the deciding rule's maxBodyBytes → 413 ERR_POLICY_BODY_TOO_LARGE;
 * - its maxTokens → 400 ERR_POLICY_MAX_TOKENS, or (maxTokensMode: clamp) the body sent upstream is
 *   rewritten with the limit; a request that sets no limit gets one added (set on x.json here, and
 *   into the upstream bytes by write-token-cap.ts after masking);
 * - for a require_approval decision only, its rate and concurrency limits per principal, before
 *   the request is held → 429 ERR_POLICY_RATE_LIMITED (Retry-After) / ERR_POLICY_CONCURRENCY;
 *   the concurrency slot is released when the response closes; shared counters that do not
 *   answer → 503 ERR_STATE_UNAVAILABLE (fail closed). Its budgets are reserved once it is
 *   approved (admit-limits.ts: a second round trip). Any other decision's limits, rate and
 *   concurrency included, are admitted together with its budgets in one step by admit-limits.ts.
 * x.decision is set before anything is refused, so the audit record names the deciding rule.
 * require_approval passes through to the approval stage.
 */
import { GatehouseError } from '../errors';
import type { Decision, InferenceRequest } from '../core/types';
import type { Runtime } from '../runtime';
import { admittedBeforeApproval, releaseOnClose } from './admit-limits';
import type { Exchange, Stage } from './exchange';

const tokenFields = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

export function evaluatePolicy(rt: Runtime): Stage {
  return (x) => {
    const { principal, request } = x;
    // Fail closed: a pipeline that runs policy before identity and routing is misassembled.
    if (!principal || !request) throw new GatehouseError(500, 'ERR_POLICY_NO_INPUT', 'policy evaluated before identity and routing');
    const decision = rt.policy.decide(principal, request);
    x.decision = decision;
    if (decision.action === 'deny') throw denied(decision);
    const { maxBodyBytes, maxTokens } = decision.limits;
    if (maxBodyBytes !== undefined && request.bodyBytes > maxBodyBytes) {
      throw new GatehouseError(413, 'ERR_POLICY_BODY_TOO_LARGE',
        `request body of ${request.bodyBytes} bytes exceeds the ${maxBodyBytes}-byte limit of rule ${decision.rule}`,
        { details: { rule: decision.rule, maxBodyBytes, bodyBytes: request.bodyBytes } });
    }
    if (maxTokens !== undefined) enforceMaxTokens(x, request, decision, maxTokens);
    if (!admittedBeforeApproval(decision)) return;
    const release = rt.policy.admit(principal, decision);
    if (!(release instanceof Promise)) return releaseOnClose(x, release);
    return release.then((r) => releaseOnClose(x, r));
  };
}

function denied(d: Decision): GatehouseError {
  const details = { rule: d.rule, policyVersion: d.policyVersion };
  if (d.denyList) {
    const what = d.denyList === 'content' ? 'the prompt matches' : 'the endpoint is on';
    return new GatehouseError(403, 'ERR_POLICY_DENY_LIST', `request denied by policy: ${what} deny list entry ${d.rule}`, { details });
  }
  const why = d.rule === 'default' ? 'no rule allows it (default action deny)' : `rule ${d.rule}`;
  return new GatehouseError(403, 'ERR_POLICY_DENIED', `request denied by policy: ${why}`, { details });
}

/** Rejects or clamps max_tokens-style fields above the limit; adds the limit when none is set. */
function enforceMaxTokens(x: Exchange, request: InferenceRequest, decision: Decision, limit: number): void {
  const body = x.json;
  const json = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const clamp = decision.limits.maxTokensMode === 'clamp';
  if (!json) {
    if (request.maxTokens !== undefined && request.maxTokens > limit) throw tooManyTokens(decision, 'max_tokens', request.maxTokens, limit);
    return;
  }
  let rewritten = false;
  let present = false;
  let added: string | undefined;
  for (const field of tokenFields) {
    const value = json[field];
    if (typeof value !== 'number') continue;
    present = true;
    if (value <= limit) continue;
    if (!clamp) throw tooManyTokens(decision, field, value, limit);
    json[field] = limit;
    rewritten = true;
    addReason(decision, `${field} ${value} clamped to ${limit} by rule ${decision.rule}`);
  }
  if (!present) {
    const field = request.endpoint === 'responses' ? 'max_output_tokens' : request.endpoint === 'chat' || request.endpoint === 'completions' || request.endpoint === 'messages' ? 'max_tokens' : undefined;
    if (!field) return;
    if (!Object.hasOwn(json, field)) added = field;
    json[field] = limit;
    rewritten = true;
    decision.reasons = reasonsWithLimitSet(decision, field, limit);
  }
  // The bytes are written after masking (write-token-cap.ts): a masked body is serialized from
  // `json` anyway, cap included, so building them here would copy a big prompt for nothing.
  if (rewritten) x.tokenCap = { added, limit };
}

function tooManyTokens(d: Decision, field: string, value: number, limit: number): GatehouseError {
  return new GatehouseError(400, 'ERR_POLICY_MAX_TOKENS', `${field} ${value} exceeds the limit of ${limit} set by rule ${d.rule}`,
    { details: { rule: d.rule, field, value, limit } });
}

/**
 * The decision's reasons and "<field> set to <limit> by rule <rule> (the request set none)": one
 * frozen list per rule and field, made at its first request, where a text (88 B) and a list (48 B)
 * per request were kept for as long as the request runs (a stream's for minutes). The rule's
 * limits object is its own and lives as long as its compiled policy: the key.
 */
function reasonsWithLimitSet(decision: Decision, field: string, limit: number): string[] {
  let byField = limitSetReasons.get(decision.limits);
  if (!byField) limitSetReasons.set(decision.limits, (byField = new Map()));
  const kept = byField.get(field);
  const { reasons } = decision;
  // The rule's own reason, as its decision gives it (a decision with more reasons gets a list of its own).
  if (kept && reasons.length === 1 && kept[0] === reasons[0]) return kept;
  const made = Object.freeze(reasons.concat(`${field} set to ${limit} by rule ${decision.rule} (the request set none)`)) as string[];
  if (reasons.length === 1) byField.set(field, made);
  return made;
}

const limitSetReasons = new WeakMap<object, Map<string, string[]>>();

/**
 * A reason more, in a list of its exact size: the decision is kept for as long as the request
 * runs (a stream's for minutes), and a list grown by push keeps room for 16 more.
 */
function addReason(decision: Decision, reason: string): void {
  decision.reasons = decision.reasons.concat(reason);
}
