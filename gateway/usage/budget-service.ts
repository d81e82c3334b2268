import { budgetLines, budgetMessage, lineAmount, reservedTokens, type BudgetLine, type BudgetReservation } from '../core/usage/budget';
import { budgetAlert, crossedFractions } from '../core/usage/budget-alerts';
import type { PriceTable } from '../core/usage/pricing';
import type { Decision, InferenceRequest, Principal } from '../core/types';
import { GatehouseError } from '../errors';
import type { Logger } from '../log';
import type { BudgetService } from '../runtime';
import type { AlertService } from '../alerts/alert-service';
import type { AddedWindows, AdmitResult, CounterStore, WindowCharge } from '../state/counter-store';

/**
 * Token and spend budgets (policy `limits.tokens`, `limits.spend`): each request reserves its
 * prompt and max_tokens (at the model's price, for spend) in every budget it counts against
 * before it is forwarded, and settles the reservation with its real usage when it ends. A request
 * the reservation would take past a limit is refused 429 (ERR_LIMIT_TOKENS / ERR_LIMIT_SPEND)
 * with Retry-After and the reset time, and holds nothing; one that goes past its reservation is
 * not cut (it was admitted), and what it used counts. The counters are the fleet's CounterStore
 * (state.counters: embedded, PostgreSQL or Redis), so N instances share one budget.
 *
 * A request's budget lines are admitted all or nothing, and with its rate limit and concurrency
 * slot in the same step when it is not held for approval (`plan`, used by pipeline/admit-limits.ts):
 * one round trip to shared counters, and no partial charge for others to see.
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

  /**
   * The windows the request's budget lines ask for, and what their answer means: the reservation,
   * or the 429 naming the line that refused. The admission itself is the caller's (alone, or with
   * the rate limit and concurrency slot in one step: policy/admission-control.ts).
   */
  function plan(lines: BudgetLine[], decision: Decision, request: InferenceRequest): AddedWindows<BudgetReservation> {
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
    const amounts = lines.map((line) => lineAmount(line.kind, tokens, price));
    return {
      windows: lines.map((line, i) => ({ key: line.key, amount: amounts[i]!, limit: line.limit, ms: line.windowMs })),
      admitted(charges) {
        const taken = lines.map((line, i) => ({ line, charge: charges[i]!.charge, reserved: amounts[i]! }));
        // Admitted by every budget: its reservations count, and may have crossed alert fractions.
        taken.forEach((t, i) => alertCrossings(decision.rule, t.line, t.charge, charges[i]!.used, t.reserved));
        return { rule: decision.rule, lines: taken, tokens, ...(price ? { price } : {}) };
      },
      refused(i, retryAfterMs) {
        // Nothing was charged anywhere (the counters admit all or nothing), so nothing goes back.
        const line = lines[i]!;
        const amount = amounts[i]!;
        const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
        const resetAt = new Date(at + retryAfterMs).toISOString();
        return new GatehouseError(429, line.kind === 'spend' ? 'ERR_LIMIT_SPEND' : 'ERR_LIMIT_TOKENS', budgetMessage(line, decision.rule, { reserved: amount, resetAt, retryAfterSeconds }), {
          headers: { 'retry-after': String(retryAfterSeconds) },
          details: { rule: decision.rule, limit: line.kind, scope: line.scope, allowed: line.limit, reserved: amount, resetAt, ...(line.currency ? { unit: `1e-9 ${line.currency}` } : {}) },
        });
      },
    };
  }

  /** Budgets alone (after an approval: the rate limit and slot were admitted before the hold). */
  function admitAlone(budgets: AddedWindows<BudgetReservation>): BudgetReservation | Promise<BudgetReservation> {
    const answer = (r: AdmitResult): BudgetReservation => {
      if (r.admitted) return budgets.admitted(r.charges);
      // A budget-only admission has no slot: a refusal is always one of its windows.
      throw budgets.refused(r.refusedBy === 'window' ? r.window : 0, r.refusedBy === 'window' ? r.retryAfterMs : 0);
    };
    const result = deps.counters.admit({ now: now(), windows: budgets.windows });
    return result instanceof Promise ? result.then(answer) : answer(result);
  }

  return {
    plan(principal: Principal, decision: Decision, request: InferenceRequest) {
      const lines = budgetLines(decision.limits, decision.rule, principal);
      return lines.length ? plan(lines, decision, request) : undefined;
    },

    reserve(principal: Principal, decision: Decision, request: InferenceRequest) {
      const lines = budgetLines(decision.limits, decision.rule, principal);
      if (!lines.length) return undefined;
      try {
        return admitAlone(plan(lines, decision, request));
      } catch (err) {
        return Promise.reject(err);
      }
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
