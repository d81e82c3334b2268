import type { BudgetScope, DecisionLimits, InferenceRequest, Principal } from '../types';
import { bytesOver4 } from './estimate';
import { costOf, type PriceEntry } from './pricing';
import type { Usage } from './usage';
import type { Cost } from './pricing';

/** One limit one request counts against: a token count (total, input or output) or a spend. */
export type BudgetKind = 'tokens.total' | 'tokens.input' | 'tokens.output' | 'spend';

export interface BudgetLine {
  kind: BudgetKind;
  /** The counter: rule, kind, scope and who ("rule\0tokens.total\0principal\0iss\0sub"). */
  key: string;
  /** In tokens, or in nano-units of the currency for spend (counters hold integers). */
  limit: number;
  windowMs: number;
  scope: BudgetScope;
  /** Whose budget, for messages: the subject, the group, or the rule. */
  holder: string;
  currency?: string;
  /** Fractions of the limit at which the budget warns, ascending (policy `alertAt`). */
  alertAt?: readonly number[];
}

/** Spend is counted in billionths of the currency: integers, as every counter store keeps them. */
export const nanoUnits = 1e9;

/**
 * The budgets a request counts against under its decision's limits (`limits.tokens`,
 * `limits.spend`): one line per limit and holder — per caller, per group of the caller (a caller
 * without groups counts alone), or one for the rule.
 *
 * @example
 * budgetLines({ tokens: { total: 1000, windowSeconds: 3600, scope: 'principal' } }, 'r1', { issuer: 'i', subject: 'bob', groups: [] })
 * // => [{ kind: 'tokens.total', key: 'r1\u0000tokens.total\u0000principal\u0000i\u0000bob', limit: 1000, windowMs: 3600000, scope: 'principal', holder: 'bob' }]
 */
export function budgetLines(limits: DecisionLimits, rule: string, principal: Principal): BudgetLine[] {
  const lines: BudgetLine[] = [];
  const holders = (scope: BudgetScope): { id: string; name: string }[] => {
    if (scope === 'rule') return [{ id: 'rule', name: `rule ${rule}` }];
    if (scope === 'group' && principal.groups.length) return principal.groups.map((g) => ({ id: `group\u0000${g}`, name: `group ${g}` }));
    return [{ id: `principal\u0000${principal.issuer}\u0000${principal.subject}`, name: principal.subject }];
  };
  const add = (kind: BudgetKind, limit: number, of: { windowSeconds: number; scope: BudgetScope; alertAt?: readonly number[] }, currency?: string) => {
    for (const h of holders(of.scope)) {
      lines.push({ kind, key: `${rule}\u0000${kind}\u0000${h.id}`, limit, windowMs: of.windowSeconds * 1000, scope: of.scope, holder: h.name, ...(currency ? { currency } : {}), ...(of.alertAt ? { alertAt: of.alertAt } : {}) });
    }
  };
  const t = limits.tokens;
  if (t?.total !== undefined) add('tokens.total', t.total, t);
  if (t?.input !== undefined) add('tokens.input', t.input, t);
  if (t?.output !== undefined) add('tokens.output', t.output, t);
  const s = limits.spend;
  if (s) add('spend', Math.round(s.amount * nanoUnits), s, s.currency);
  return lines;
}

/**
 * What a request reserves before it is forwarded: its prompt (UTF-8 bytes ÷ 4, cheap and on the
 * high side for English) and its max_tokens (0 when it sets none: the answer then settles it).
 *
 * @example
 * reservedTokens({ promptText: 'Say hello', maxTokens: 100 } as InferenceRequest) // => { input: 3, output: 100 }
 */
export function reservedTokens(request: Pick<InferenceRequest, 'promptText' | 'maxTokens'>): { input: number; output: number } {
  return { input: request.promptText ? bytesOver4(request.promptText) : 0, output: request.maxTokens ?? 0 };
}

/** A line's amount for these tokens (and this price, for spend): what is reserved, or what was used. */
export function lineAmount(kind: BudgetKind, tokens: { input: number; output: number; usage?: Usage; cost?: Cost }, price?: PriceEntry): number {
  const u = tokens.usage;
  if (kind === 'tokens.total') return u ? u.totalTokens : tokens.input + tokens.output;
  if (kind === 'tokens.input') return u ? u.inputTokens : tokens.input;
  if (kind === 'tokens.output') return u ? u.outputTokens : tokens.output;
  if (tokens.cost) return Math.round(tokens.cost.amount * nanoUnits);
  if (!price) return 0;
  const usage = u ?? { inputTokens: tokens.input, outputTokens: tokens.output, totalTokens: tokens.input + tokens.output, source: 'estimated' as const };
  return Math.round(costOf(usage, price).amount * nanoUnits);
}

/**
 * The refusal's words: which limit, whose, what this request needs, and when the window resets.
 *
 * @example
 * budgetMessage(line, 'r1', { reserved: 20, resetAt: '2026-01-01T01:00:00.000Z', retryAfterSeconds: 1800 })
 * // => 'token limit of rule r1 reached: 1000 tokens (input + output) per 3600 s for bob; this request needs 20 more; resets at 2026-01-01T01:00:00.000Z (in 1800 s)'
 */
export function budgetMessage(line: BudgetLine, rule: string, at: { reserved: number; resetAt: string; retryAfterSeconds: number }): string {
  return `${line.kind === 'spend' ? 'spend' : 'token'} limit of rule ${rule} reached: ${limitText(line)}; this request needs ${amountText(line, at.reserved)} more; resets at ${at.resetAt} (in ${at.retryAfterSeconds} s)`;
}

/** A line's limit in words: "100 tokens (input + output) per 3600 s for bob", "1 USD per 86400 s for group ml". */
export function limitText(line: BudgetLine): string {
  const window = `per ${line.windowMs / 1000} s for ${line.holder}`;
  if (line.kind === 'spend') return `${amountText(line, line.limit)} ${window}`;
  return `${line.limit} tokens (${line.kind === 'tokens.total' ? 'input + output' : line.kind.slice(7)}) ${window}`;
}

/** An amount in a line's units, for people: tokens as they are, spend in the currency. */
export function amountText(line: BudgetLine, n: number): string {
  return line.kind === 'spend' ? `${trim(n / nanoUnits)} ${line.currency}` : String(n);
}

const trim = (n: number) => Number(n.toPrecision(6));

/** What a request holds of its budgets between admission and its outcome. */
export interface BudgetReservation {
  /** The rule whose limits these are. */
  rule: string;
  lines: { line: BudgetLine; charge: { key: string; windowStart: number }; reserved: number }[];
  tokens: { input: number; output: number };
  /** The price a spend line was reserved at. */
  price?: PriceEntry;
}

/**
 * The token and spend limits in words, for the explain trace and policy test output.
 *
 * @example
 * describeBudgets({ tokens: { total: 200000, windowSeconds: 3600, scope: 'principal' }, spend: { amount: 50, currency: 'USD', windowSeconds: 86400, scope: 'group' } })
 * // => '200000 tokens (input + output) per 3600 s per caller; 50 USD per 86400 s per group'
 */
export function describeBudgets(limits: Pick<DecisionLimits, 'tokens' | 'spend'>): string {
  const per = (seconds: number, scope: BudgetScope) => `per ${seconds} s per ${scope === 'principal' ? 'caller' : scope}`;
  const parts: string[] = [];
  const t = limits.tokens;
  if (t) {
    if (t.total !== undefined) parts.push(`${t.total} tokens (input + output) ${per(t.windowSeconds, t.scope)}`);
    if (t.input !== undefined) parts.push(`${t.input} input tokens ${per(t.windowSeconds, t.scope)}`);
    if (t.output !== undefined) parts.push(`${t.output} output tokens ${per(t.windowSeconds, t.scope)}`);
  }
  if (limits.spend) parts.push(`${limits.spend.amount} ${limits.spend.currency} ${per(limits.spend.windowSeconds, limits.spend.scope)}`);
  return parts.join('; ');
}
