import type { Runtime } from '../runtime';
import type { Exchange } from './exchange';

/**
 * The one writer of the outcome record: every request gets exactly one, however it ended —
 * - whole: the relay ends the response only once this resolves, after every response stage has
 *   ended (a client that saw a whole response can count on its record surviving a crash);
 * - refused: the error path answers only once this resolves, and answers 503 when it rejects
 *   (fail closed: a refusal the client saw is one the log keeps);
 * - cut (client gone, upstream reset): run-pipeline's `finish`, when the response closes.
 * The first call settles the exchange's usage and cost (rt.usage.settle) and its budgets, then writes; later
 * calls return the same write (x.outcomeRecord). Its failure is
 * logged by the audit service; callers that wait decide what it means for the client.
 */
export function recordOutcome(rt: Runtime, x: Exchange): Promise<void> | void {
  if (x.outcomeRecord === undefined) {
    // Usage and cost settle once, however the exchange ended: what was read of the answer, counted where it said nothing.
    const { usage, cost } = rt.usage.settle({ request: x.request, status: x.outcome.status, tap: x.usageTap, auditResponseBody: x.outcome.auditResponseBody });
    if (usage) x.outcome.usage = usage;
    if (cost) x.outcome.cost = cost;
    // The budgets it reserved at admission now count what it used (all of it back when it used nothing).
    const settled = x.budget ? rt.budgets.settle(x.budget, { usage, cost }) : undefined;
    // Tracing on: its durability is a child span of the request's, like the arrival record's.
    const recorded = rt.tracing ? rt.tracing.around(x, 'gatehouse.audit_durability', () => rt.audit.outcome(x), outcomeRecordSpan) : rt.audit.outcome(x);
    // Whoever waits for the record waits for the budgets too (a shared store is a round trip away,
    // taken while the record syncs): the caller's next request meets them as this one left them.
    const written = settled && recorded ? Promise.all([recorded, settled]).then(() => undefined) : recorded ?? settled;
    x.outcomeRecord = written ?? null;
    // Whoever waits handles the rejection; nobody waiting is not an unhandled rejection.
    written?.catch(ignore);
  }
  return x.outcomeRecord ?? undefined;
}

function ignore(): void {}

const outcomeRecordSpan = { 'gatehouse.audit.record': 'outcome' };
