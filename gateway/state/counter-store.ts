import { createHash } from 'node:crypto';

/**
 * Where admission counters live: fixed windows (rate limits now; token and spend budgets charge
 * them with "reserve n, settle later") and concurrency slots (leases). One `admit` is one round
 * trip to a shared store, atomic across every instance that uses it.
 *
 * Implementations: memory-counter-store.ts (embedded, one process), postgres-counter-store.ts,
 * redis-counter-store.ts. All pass test/contract/counter-store.contract.ts.
 */
export interface CounterStore {
  readonly name: string;
  /**
   * Checks the slot (when asked) first, then charges the window (when asked), then takes the slot:
   * a request refused by either is charged nothing. Sync for the in-memory store; rejects with 503
   * ERR_STATE_UNAVAILABLE when a shared store does not answer.
   */
  admit(request: Admission): AdmitResult | Promise<AdmitResult>;
  /** Gives a slot back (idempotent). A shared store that cannot be reached lets the lease expire. */
  release(key: string, slot: string): void;
  /**
   * Corrects a window charge once the real amount is known (a reservation of n settled at m:
   * delta m - n), in the same atomic step as admissions, and returns the window's count after it
   * (never below 0). Nothing happens when that window has already ended: undefined.
   */
  settle(charge: WindowCharge, delta: number): number | undefined | Promise<number | undefined>;
  /**
   * Extends the lease of every slot this instance holds to `now` + lease. Shared stores run it by
   * themselves every third of a lease; a holder that dies stops, and its slots expire.
   */
  renewLeases(now: number): void | Promise<void>;
  close(): Promise<void>;
}

export interface Admission {
  /** Who is counted against which limit, e.g. rule, issuer and subject. */
  key: string;
  /** Milliseconds since the epoch (the instances' clocks are kept in sync, as token expiry needs). */
  now: number;
  window?: { amount: number; limit: number; ms: number };
  slot?: { id: string; limit: number; leaseMs: number };
}

export interface WindowCharge {
  key: string;
  windowStart: number;
}

export type AdmitResult =
  /** `used`: the window's count after this charge (with `charge`, when a window was asked). */
  | { admitted: true; charge?: WindowCharge; used?: number }
  | { admitted: false; refusedBy: 'concurrency' }
  /** `retryAfterMs`: until the window ends. */
  | { admitted: false; refusedBy: 'rate'; retryAfterMs: number };

/**
 * How shared stores name a counter: a digest of its key, so keys of any bytes (the admission key
 * joins rule, issuer and subject with NUL, which PostgreSQL text refuses) have one short form,
 * and no caller's subject is written to the store in clear.
 */
export function counterKeyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** The answer shared by every store for the parts of the result they compute alike. */
export function windowRefusal(now: number, windowStart: number, windowMs: number): AdmitResult {
  return { admitted: false, refusedBy: 'rate', retryAfterMs: Math.max(0, windowStart + windowMs - now) };
}
