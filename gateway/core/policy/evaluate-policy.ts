import type { Decision, ExplainStep, InferenceRequest, Principal } from '../types';
import type { CompiledPolicy } from './compiled-policy';
import { describeBudgets } from '../usage/budget';
import { explainMatch, matchAll, promptOf, type MatchContext } from './match';

export interface EvaluateOptions {
  /**
   * eager (default): build the explain trace now. lazy: build it on first read of
   * `decision.explain` (the gateway's hot path: most decisions are never explained).
   */
  explain?: 'eager' | 'lazy';
}

/**
 * Decides one request: deny lists first (endpoints, then content), then the rules in order — the
 * first match decides — then the default action. `masks` lists every masking rule whose match holds.
 * Pure and deterministic: the same policy, principal and request give the same decision.
 *
 * @example
 * const d = evaluatePolicy(policy, { issuer: 'https://idp', subject: 'ci-bot', groups: ['ci'] },
 *   { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'openai',
 *     model: 'gpt-4o-mini', stream: false, promptText: 'hi', bodyBytes: 80 });
 * d.action // => 'allow'
 * d.rule   // => 'ci-small-models'
 */
export function evaluatePolicy(policy: CompiledPolicy, principal: Principal, request: InferenceRequest, options: EvaluateOptions = {}): Decision {
  const ctx: MatchContext = { principal, request, maxPromptScanBytes: policy.maxPromptScanBytes };
  const decision = decide(policy, ctx);
  if (options.explain === 'lazy') return new LazilyExplainedDecision(decision, policy, ctx);
  decision.explain = explainTrace(policy, ctx);
  return decision;
}

/**
 * A decision whose explain trace is built on first read of `explain`. The getter lives on the
 * class's prototype: an accessor defined on each decision object turned every one into a
 * dictionary-mode object with a closure, ≈ 0.5 KB more per request, which a held request keeps
 * for as long as it waits. Serializes (toJSON) with the trace, like an eager decision.
 */
interface LazilyExplainedDecision extends Decision {}
class LazilyExplainedDecision {
  readonly #policy: CompiledPolicy;
  readonly #ctx: MatchContext;
  #explain: ExplainStep[] | undefined;

  constructor(decision: Decision, policy: CompiledPolicy, ctx: MatchContext) {
    const { explain: _unbuilt, ...fields } = decision;
    Object.assign(this, fields);
    this.#policy = policy;
    this.#ctx = ctx;
  }

  get explain(): ExplainStep[] {
    return (this.#explain ??= explainTrace(this.#policy, this.#ctx));
  }

  set explain(steps: ExplainStep[]) {
    this.#explain = steps;
  }

  toJSON(): Decision {
    return { ...this, explain: this.explain };
  }
}

function decide(policy: CompiledPolicy, ctx: MatchContext): Decision {
  const masks = matchingMasks(policy, ctx);
  for (const e of policy.denyEndpoints) {
    if (matchAll(e.match, ctx)) return denyListDecision(policy, e.id, e.reason, 'endpoint', masks);
  }
  // The bounded prompt: a long one is never joined whole for the patterns (core/prompt-text.ts).
  const text = policy.denyContent.length ? promptOf(ctx) : '';
  if (text) {
    if (policy.denyContentAny && !policy.denyContentAny.test(text)) return decideByRules(policy, ctx, masks);
    for (const e of policy.denyContent) {
      if (e.regex.test(text)) return denyListDecision(policy, e.id, e.reason, 'content', masks);
    }
  }
  return decideByRules(policy, ctx, masks);
}

function decideByRules(policy: CompiledPolicy, ctx: MatchContext, masks: string[]): Decision {
  const rules = policy.rulesByEndpoint.get(ctx.request.endpoint) ?? policy.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (!matchAll(rule.match, ctx)) continue;
    const d: Decision = {
      action: rule.action, rule: rule.id, reasons: [rule.reason], limits: rule.limits, masks, explain: [], policyVersion: policy.version,
    };
    if (rule.approval) d.approval = rule.approval;
    return d;
  }
  return {
    action: policy.defaultAction, rule: 'default', reasons: [`no rule matched; default action ${policy.defaultAction}`],
    limits: {}, masks, explain: [], policyVersion: policy.version,
  };
}

function denyListDecision(policy: CompiledPolicy, id: string, reason: string, denyList: 'content' | 'endpoint', masks: string[]): Decision {
  return { action: 'deny', rule: id, reasons: [reason], limits: {}, masks, explain: [], policyVersion: policy.version, denyList };
}

/**
 * The masking rules whose match holds, as one frozen list per combination of them, shared by
 * every decision with that combination: a decision lives as long as its request (held for
 * approval, streaming), and a list grown by push kept room for 16 names each.
 */
function matchingMasks(policy: CompiledPolicy, ctx: MatchContext): string[] {
  const rules = policy.maskingRules;
  if (rules.length > 30) return rules.filter((m) => matchAll(m.match, ctx)).map((m) => m.name);
  let matched = 0;
  for (let i = 0; i < rules.length; i++) if (matchAll(rules[i]!.match, ctx)) matched |= 1 << i;
  let lists = masksByMatch.get(policy);
  if (!lists) masksByMatch.set(policy, (lists = new Map()));
  let masks = lists.get(matched);
  if (!masks) lists.set(matched, (masks = Object.freeze(rules.filter((_, i) => matched & (1 << i)).map((m) => m.name)) as string[]));
  return masks;
}

/** Per compiled policy: the masks list of each combination of matching rules seen (bits: rule indexes). */
const masksByMatch = new WeakMap<CompiledPolicy, Map<number, string[]>>();

/**
 * The explain trace: every deny-list entry and rule tried, in order, up to and including the one
 * that decided (or a final `default` step), each with the first failed condition or what matched.
 *
 * @example
 * explainTrace(policy, ctx)
 * // => [{ rule: 'agents-capped', matched: false, reason: 'groups [ci] include none of [ml-agents]' },
 * //     { rule: 'ci-small-models', matched: true, reason: 'matched: group ci, model "gpt-4o-mini" ~ gpt-4o-mini*' }]
 */
export function explainTrace(policy: CompiledPolicy, ctx: MatchContext): ExplainStep[] {
  const steps: ExplainStep[] = [];
  for (const e of policy.denyEndpoints) {
    const r = explainMatch(e.match, ctx);
    steps.push({ rule: e.id, matched: r.matched, reason: `deny list: ${r.reason}` });
    if (r.matched) return steps;
  }
  for (const e of policy.denyContent) {
    const text = promptOf(ctx);
    const matched = text !== '' && e.regex.test(text);
    steps.push({ rule: e.id, matched, reason: `deny list: ${text === '' ? 'no prompt text' : `prompt ${matched ? 'matches' : 'does not match'} ${String(e.regex)}`}` });
    if (matched) return steps;
  }
  for (const rule of policy.rules) {
    const r = explainMatch(rule.match, ctx);
    // The budgets the request would count against are part of what the matching rule decides.
    const budgets = r.matched ? describeBudgets(rule.limits) : '';
    steps.push({ rule: rule.id, matched: r.matched, reason: budgets ? `${r.reason}; budgets: ${budgets}` : r.reason });
    if (r.matched) return steps;
  }
  steps.push({ rule: 'default', matched: true, reason: `no rule matched; default action ${policy.defaultAction}` });
  return steps;
}
