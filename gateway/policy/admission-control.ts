import { newId } from '../new-id';
import { GatehouseError } from '../errors';
import type { Decision, Principal } from '../core/types';
import type { AdmitResult, CounterStore } from '../state/counter-store';
import { MemoryCounterStore } from '../state/memory-counter-store';

export interface AdmissionControlOptions {
  /** Where the counters live. Default: in this process (MemoryCounterStore). */
  store?: CounterStore;
  /** How long a concurrency slot outlives a holder that died (shared stores). Default 30 s. */
  leaseMs?: number;
  now?: () => number;
}

/** Gives a concurrency slot back; idempotent. */
export type Release = () => void;

const noop: Release = () => {};

/**
 * Enforces a decision's per-principal limits: requests per fixed window (per rule) and requests
 * in flight at once (per rule), counted in a CounterStore (this process, or the fleet's
 * PostgreSQL or Redis: one round trip per admission). A request without limits costs nothing.
 */
export class AdmissionControl {
  readonly store: CounterStore;
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(options: AdmissionControlOptions = {}) {
    this.store = options.store ?? new MemoryCounterStore();
    this.leaseMs = options.leaseMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Throws 429 when over a limit (503 ERR_STATE_UNAVAILABLE when a shared store does not answer);
   * otherwise returns the release function for concurrency. Sync with the in-memory store.
   */
  admit(principal: Principal, decision: Decision): Release | Promise<Release> {
    const { rate, concurrent } = decision.limits;
    if (!rate && concurrent === undefined) return noop;
    const key = `${decision.rule}\u0000${principal.issuer}\u0000${principal.subject}`;
    const slot = concurrent === undefined ? undefined : { id: newId(), limit: concurrent, leaseMs: this.leaseMs };
    const result = this.store.admit({
      key,
      now: this.now(),
      ...(rate ? { window: { amount: 1, limit: rate.requests, ms: rate.windowSeconds * 1000 } } : {}),
      ...(slot ? { slot } : {}),
    });
    const settle = (r: AdmitResult): Release => {
      if (!r.admitted) throw refusal(r, decision);
      if (!slot) return noop;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.store.release(key, slot.id);
      };
    };
    return result instanceof Promise ? result.then(settle) : settle(result);
  }
}

function refusal(r: Exclude<AdmitResult, { admitted: true }>, decision: Decision): GatehouseError {
  const { rule } = decision;
  if (r.refusedBy === 'concurrency') {
    const { concurrent } = decision.limits;
    return new GatehouseError(429, 'ERR_POLICY_CONCURRENCY',
      `too many concurrent requests: rule ${rule} allows ${concurrent} at once per caller`,
      { headers: { 'retry-after': '1' }, details: { rule, concurrent } });
  }
  const { requests: limit, windowSeconds } = decision.limits.rate!;
  const retryAfter = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
  return new GatehouseError(429, 'ERR_POLICY_RATE_LIMITED',
    `rate limit exceeded: rule ${rule} allows ${limit} requests per ${windowSeconds}s per caller; retry in ${retryAfter}s`,
    { headers: { 'retry-after': String(retryAfter) }, details: { rule, limit, windowSeconds } });
}
