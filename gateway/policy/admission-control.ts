import { newId } from '../new-id';
import { GatehouseError } from '../errors';
import type { Decision, Principal } from '../core/types';
import type { AddedWindows, Admitted, AdmitResult, CounterStore, WindowAsk } from '../state/counter-store';
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
 * PostgreSQL or Redis: one round trip per admission, the request's budgets included when they are
 * admitted with it). A request without limits costs nothing.
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
    const admitted = this.admitWith(principal, decision, undefined);
    return admitted instanceof Promise ? admitted.then((a) => a.release) : admitted.release;
  }

  /**
   * The decision's rate and concurrency limits and `added`'s windows (the budgets) in one
   * admission, all or nothing: the slot is checked first, then the rate window, then `added`'s in
   * order; the first that refuses answers, in its own words (`added.refused` for its windows).
   */
  admitWith<T>(principal: Principal, decision: Decision, added: AddedWindows<T> | undefined): Admitted<T> | Promise<Admitted<T>> {
    const { rate, concurrent } = decision.limits;
    if (!rate && concurrent === undefined && !added) return { release: noop };
    const key = `${decision.rule}\u0000${principal.issuer}\u0000${principal.subject}`;
    const slot = concurrent === undefined ? undefined : { key, id: newId(), limit: concurrent, leaseMs: this.leaseMs };
    const own: WindowAsk[] = rate ? [{ key, amount: 1, limit: rate.requests, ms: rate.windowSeconds * 1000 }] : [];
    const result = this.store.admit({ now: this.now(), ...(slot ? { slot } : {}), windows: added ? [...own, ...added.windows] : own });
    const settle = (r: AdmitResult): Admitted<T> => {
      if (!r.admitted) {
        if (added && r.refusedBy === 'window' && r.window >= own.length) throw added.refused(r.window - own.length, r.retryAfterMs);
        throw refusal(r, decision);
      }
      const release = slot ? slotRelease(this.store, key, slot.id) : noop;
      return added ? { release, added: added.admitted(r.charges.slice(own.length)) } : { release };
    };
    return result instanceof Promise ? result.then(settle) : settle(result);
  }
}

/**
 * Gives the slot back, once. Made here, a closure over only the store, the key and the id: a
 * stream holds its release for its life, and one made inside `admitWith` kept that call's whole
 * context (the decision, the windows asked, the slot) and a second closure (≈ 300 B per stream).
 */
function slotRelease(store: CounterStore, key: string, id: string): Release {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    store.release(key, id);
  };
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
