import type { Runtime } from '../runtime';
import type { Stage } from './exchange';

/**
 * Stage: reserve the request's share of its token and spend budgets.
 * Rules enforced:
 *  - the deciding rule's limits.tokens and limits.spend, per caller, group or rule: the prompt
 *    (bytes ÷ 4) and max_tokens are reserved (at the model's price, for spend) before forwarding;
 *  - a reservation that would pass a limit → 429 ERR_LIMIT_TOKENS / ERR_LIMIT_SPEND with
 *    Retry-After, naming the limit, what is used and when the window resets; nothing is held;
 *  - a spend limit for a model without a price → 403 ERR_LIMIT_SPEND_UNPRICED (no guess);
 *  - the outcome record's writer settles the reservation with the real usage (record-outcome.ts).
 * Runs after approval (a held request holds no budget while it waits), before masking and forwarding.
 */
export function reserveBudget(rt: Runtime): Stage {
  return (x) => {
    if (!x.principal || !x.decision || !x.request) return;
    const reservation = rt.budgets.reserve(x.principal, x.decision, x.request);
    if (!reservation) return;
    // The shared counters (state.counters) answer asynchronously; a refusal rejects with the 429.
    return Promise.resolve(reservation).then((r) => {
      x.budget = r;
    });
  };
}
