import { amountText, limitText, nanoUnits, type BudgetLine } from './budget';

/** A budget window's count went past one of its alert fractions (policy `alertAt`). */
export interface BudgetCrossing {
  /** The policy rule that keeps the budget. */
  rule: string;
  line: BudgetLine;
  fraction: number;
  /** The window's count right after the admission or settlement that crossed, in the line's units. */
  used: number;
  /** The window's start as the counter store keeps it (the same on every instance). */
  windowStart: number;
}

/**
 * The count at which a fraction of a limit is reached: counts are integers, so f × limit rounded
 * up (80 % of 101 tokens is reached at 81); the float product is trimmed first (0.7 × 100 is
 * 70.00000000000001 in binary and must stay 70).
 *
 * @example
 * fractionThreshold(0.8, 101) // => 81
 * fractionThreshold(0.7, 100) // => 70
 */
export function fractionThreshold(fraction: number, limit: number): number {
  return Math.ceil(Number((fraction * limit).toPrecision(15)));
}

/**
 * The alert fractions one operation on a window crossed upwards: those whose threshold lies in
 * (before, after]. A counter store runs its operations one at a time, so of the operations that
 * take a window's count up past a threshold exactly one sees it crossed; a count that falls back
 * (a reservation settled lower) and rises again crosses again, which the firing's once-per-window
 * claim absorbs.
 *
 * @example
 * crossedFractions([0.8, 1], 100, 70, 85) // => [0.8]
 * crossedFractions([0.8, 1], 100, 70, 130) // => [0.8, 1]
 * crossedFractions([0.8, 1], 100, 85, 90) // => []
 */
export function crossedFractions(fractions: readonly number[], limit: number, before: number, after: number): number[] {
  return fractions.filter((f) => {
    const threshold = fractionThreshold(f, limit);
    return before < threshold && threshold <= after;
  });
}

/** What a crossing alerts: the words, the audit record's details, and the period it fires once in. */
export interface BudgetAlert {
  rule: string;
  severity: 'medium' | 'high';
  message: string;
  /** The holder's subject when the budget is the caller's own (scope principal). */
  principal?: string;
  details: { budget: { limit: BudgetLine['kind']; scope: BudgetLine['scope']; holder: string; fraction: number; used: number; allowed: number; unit: string; resetAt: string } };
  /** Fires once per rule, limit, holder and fraction in each window: the claim's key and period. */
  once: { key: string; fromMs: number; untilMs: number };
}

/**
 * The alert for a crossing: rule, limit, holder, fraction, used of allowed and the reset; a
 * warning below the whole limit, high at it. Nothing of any request is in it.
 *
 * @example
 * budgetAlert({ rule: 'team-chat', line, fraction: 0.8, used: 85, windowStart: Date.parse('2026-03-01T10:00:00Z') }).message
 * // => 'token budget of rule team-chat at 80 %: 85 used of 100 tokens (input + output) per 3600 s for bob; resets at 2026-03-01T11:00:00.000Z'
 */
export function budgetAlert(c: BudgetCrossing): BudgetAlert {
  const { line } = c;
  const untilMs = c.windowStart + line.windowMs;
  const resetAt = new Date(untilMs).toISOString();
  const percent = Number((c.fraction * 100).toPrecision(6));
  return {
    rule: c.rule,
    severity: c.fraction >= 1 ? 'high' : 'medium',
    message: `${line.kind === 'spend' ? 'spend' : 'token'} budget of rule ${c.rule} at ${percent} %: ${amountText(line, c.used)} used of ${limitText(line)}; resets at ${resetAt}`,
    ...(line.scope === 'principal' ? { principal: line.holder } : {}),
    details: {
      budget: {
        limit: line.kind, scope: line.scope, holder: line.holder, fraction: c.fraction, used: c.used, allowed: line.limit,
        unit: line.kind === 'spend' ? `${1 / nanoUnits} ${line.currency}` : 'tokens', resetAt,
      },
    },
    // ':' cannot occur in an alert rule's id, so these keys never meet the alert rules' cooldowns.
    once: { key: `budget:${line.key}\u0000${c.fraction}`, fromMs: c.windowStart, untilMs },
  };
}
