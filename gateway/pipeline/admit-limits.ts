import type { BudgetReservation } from '../core/usage/budget';
import type { Decision } from '../core/types';
import type { Runtime } from '../runtime';
import type { Admitted } from '../state/counter-store';
import type { Exchange, Stage } from './exchange';

/**
 * Stage: admit the request by all of its deciding rule's per-caller limits at once.
 * Rules enforced, checked in this order (the first that refuses answers; the counters admit all
 * or nothing, so a refused request is charged nothing and holds no slot):
 *  - limits.concurrent → 429 ERR_POLICY_CONCURRENCY; the slot is released when the response closes;
 *  - limits.rate → 429 ERR_POLICY_RATE_LIMITED (Retry-After);
 *  - limits.tokens and limits.spend, per caller, group or rule: the prompt (bytes ÷ 4) and
 *    max_tokens are reserved (at the model's price, for spend) → 429 ERR_LIMIT_TOKENS /
 *    ERR_LIMIT_SPEND with Retry-After, naming the limit, what is used and when the window resets;
 *    the outcome record's writer settles the reservation with the real usage (record-outcome.ts);
 *  - a spend limit for a model without a price → 403 ERR_LIMIT_SPEND_UNPRICED (no guess), before
 *    anything is counted;
 *  - shared counters that do not answer → 503 ERR_STATE_UNAVAILABLE (fail closed).
 * All of it is one admission: one round trip when the counters are shared (state.counters).
 * A request held for approval is the exception, and pays two: its rate and concurrency limits
 * were admitted by evaluate-policy.ts before it was held, and its budgets are reserved here only
 * once it is approved (a held request holds no budget while it waits).
 * Runs after approval, before masking and forwarding.
 */
export function admitLimits(rt: Runtime): Stage {
  return (x) => {
    const { principal, decision, request } = x;
    if (!principal || !decision || !request) return;
    if (admittedBeforeApproval(decision)) {
      const reservation = rt.budgets.reserve(principal, decision, request);
      if (!reservation) return;
      return Promise.resolve(reservation).then((r) => {
        x.budget = r;
      });
    }
    const admitted = rt.policy.admitWith(principal, decision, rt.budgets.plan(principal, decision, request));
    if (!(admitted instanceof Promise)) return keep(x, admitted);
    return admitted.then((a) => keep(x, a));
  };
}

/** A require_approval decision's rate and concurrency limits are admitted before the hold (evaluate-policy.ts), its budgets after. */
export function admittedBeforeApproval(decision: Decision): boolean {
  return decision.action === 'require_approval';
}

/** The slot goes back when the response closes (at once for a client gone meanwhile). */
export function releaseOnClose(x: Exchange, release: () => void): void {
  if (x.res.closed) release();
  // `on`: a response emits close once (see run-pipeline.ts).
  else x.res.on('close', release);
}

function keep(x: Exchange, admitted: Admitted<BudgetReservation>): void {
  if (admitted.added) x.budget = admitted.added;
  releaseOnClose(x, admitted.release);
}
