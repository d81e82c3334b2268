import { budgetLines, budgetMessage, lineAmount, reservedTokens, type BudgetLine, type BudgetReservation } from '../core/usage/budget';
import { budgetAlert, crossedFractions } from '../core/usage/budget-alerts';
import type { PriceTable } from '../core/usage/pricing';
import type { Decision, InferenceRequest, Principal } from '../core/types';
import { GatehouseError } from '../errors';
import type { Logger } from '../log';
import type { BudgetService } from '../runtime';
import type { AlertService } from '../alerts/alert-service';
import type { AdmitResult, CounterStore, WindowCharge } from '../state/counter-store';

/**
 * Token and spend budgets (policy `limits.tokens`, `limits.spend`): each request reserves its
 * prompt and max_tokens (at the model's price, for spend) in every budget it counts against
 * before it is forwarded, and settles the reservation with its real usage when it ends. A request
 * the reservation would take past a limit is refused 429 (ERR_LIMIT_TOKENS / ERR_LIMIT_SPEND)
 * with Retry-After and the reset time, and holds nothing; one that goes past its reservation is
 * not cut (it was admitted), and what it used counts. The counters are the fleet's CounterStore
 * (state.counters: embedded, PostgreSQL or Redis), so N instances share one budget.
 *
 * A budget with `alertAt` warns: the admission or settlement that takes a window's count past a
 * fraction of its limit fires an alert through `alerts` (once per fraction, holder and window,
 * fleet-wide with the fleet's claim).
 */
export function createBudgetService(deps: { counters: CounterStore; prices: PriceTable; log: Logger; alerts: Pick<AlertService, 'fire'>; now?: () => number }): BudgetService {
  const now = deps.now ?? Date.now;
  const settleFailed = (err: unknown) => deps.log.warn('budgets: a settlement did not reach the counters; the reservation stands', { message: (err as Error).message });

  /** Alerts the fractions of `line` that a change of `delta` to its window, now at `used`, crossed. */
  function alertCrossings(rule: string, line: BudgetLine, charge: WindowCharge, used: number | undefined, delta: number): void {
    if (!line.alertAt || used === undefined || delta <= 0) return;
    for (const fraction of crossedFractions(line.alertAt, line.limit, used - delta, used)) {
      const { once, ...alert } = budgetAlert({ rule, line, fraction, used, windowStart: charge.windowStart });
      deps.alerts.fire(alert, once);
    }
  }

  function settleLine(rule: string, line: BudgetLine, charge: WindowCharge, delta: number): Promise<void> {
    return Promise.resolve(deps.counters.settle(charge, delta)).then((used) => alertCrossings(rule, line, charge, used, delta), settleFailed);
  }

  async function admitAll(lines: ReturnType<typeof budgetLines>, decision: Decision, request: InferenceRequest): Promise<BudgetReservation> {
    const tokens = reservedTokens(request);
    const spend = lines.find((l) => l.kind === 'spend');
    const price = spend ? deps.prices(request.upstream, request.model ?? '') : undefined;
    if (spend && (!price || (price.currency ?? 'USD') !== spend.currency)) {
      // Fail closed: a budget in money cannot be kept for a model the gateway cannot price.
      throw new GatehouseError(403, 'ERR_LIMIT_SPEND_UNPRICED',
        `rule ${decision.rule} keeps a spend limit in ${spend.currency}, and the gateway has no ${spend.currency} price for model ${request.model ?? '(none)'} at upstream ${request.upstream} (config pricing)`,
        { details: { rule: decision.rule, model: request.model, upstream: request.upstream } });
    }
    const at = now();
    const taken: BudgetReservation['lines'] = [];
    const usedAfter: (number | undefined)[] = [];
    for (const line of lines) {
      const amount = lineAmount(line.kind, tokens, price);
      const r: AdmitResult = await deps.counters.admit({ key: line.key, now: at, window: { amount, limit: line.limit, ms: line.windowMs } });
      if (r.admitted && r.charge) {
        taken.push({ line, charge: r.charge, reserved: amount });
        usedAfter.push(r.used);
        continue;
      }
      // Refused: what the other budgets took for it goes back (and it crossed nothing).
      for (const t of taken) void settleLine(decision.rule, t.line, t.charge, -t.reserved);
      const retryAfterMs = !r.admitted && r.refusedBy === 'rate' ? r.retryAfterMs : line.windowMs;
      const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      const resetAt = new Date(at + retryAfterMs).toISOString();
      throw new GatehouseError(429, line.kind === 'spend' ? 'ERR_LIMIT_SPEND' : 'ERR_LIMIT_TOKENS', budgetMessage(line, decision.rule, { reserved: amount, resetAt, retryAfterSeconds }), {
        headers: { 'retry-after': String(retryAfterSeconds) },
        details: { rule: decision.rule, limit: line.kind, scope: line.scope, allowed: line.limit, reserved: amount, resetAt, ...(line.currency ? { unit: `1e-9 ${line.currency}` } : {}) },
      });
    }
    // Admitted by every budget: its reservations count, and may have crossed alert fractions.
    taken.forEach((t, i) => alertCrossings(decision.rule, t.line, t.charge, usedAfter[i], t.reserved));
    return { rule: decision.rule, lines: taken, tokens, ...(price ? { price } : {}) };
  }

  return {
    reserve(principal: Principal, decision: Decision, request: InferenceRequest) {
      const lines = budgetLines(decision.limits, decision.rule, principal);
      return lines.length ? admitAll(lines, decision, request) : undefined;
    },

    settle(reservation, { usage, cost }) {
      const settling: Promise<void>[] = [];
      for (const t of reservation.lines) {
        // No usage (refused later, upstream failed before answering): the whole reservation goes back.
        const used = usage ? lineAmount(t.line.kind, { ...reservation.tokens, usage, cost: cost?.currency === t.line.currency ? cost : undefined }, reservation.price) : 0;
        if (used !== t.reserved) settling.push(settleLine(reservation.rule, t.line, t.charge, used - t.reserved));
      }
      return settling.length ? Promise.all(settling).then(() => undefined) : undefined;
    },
  };
}
