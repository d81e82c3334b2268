import { createHash } from 'node:crypto';

/**
 * Where admission counters live: fixed windows (rate limits; token and spend budgets charge
 * them with "reserve n, settle later") and concurrency slots (leases). One `admit` is one round
 * trip to a shared store for all of a request's limits, atomic across every instance that uses it.
 *
 * Implementations: memory-counter-store.ts (embedded, one process), postgres-counter-store.ts,
 * redis-counter-store.ts. All pass test/contract/counter-store.contract.ts.
 */
export interface CounterStore {
  readonly name: string;
  /**
   * One admission, all or nothing, in one round trip: the slot (when asked) is checked first, then
   * every window is charged in order, then the slot is taken. A request refused by the slot or by
   * any window is charged nothing anywhere (no other request ever sees a partial charge); the
   * answer names the first window, in order, that refused it. Sync for the in-memory store;
   * rejects with 503 ERR_STATE_UNAVAILABLE when a shared store does not answer.
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

/**
 * What one request is counted against: its concurrency slot (per rule and caller) and its windows
 * (the rate limit's, then each token and spend budget line's), admitted together.
 */
export interface Admission {
  /** Milliseconds since the epoch (the instances' clocks are kept in sync, as token expiry needs). */
  now: number;
  /** `key`: who holds slots against which limit, e.g. rule, issuer and subject. */
  slot?: { key: string; id: string; limit: number; leaseMs: number };
  /** Charged in this order, all or none (the same key twice is charged twice). */
  windows?: readonly WindowAsk[];
}

/** A fixed window of `ms` under `key` that may hold `limit` in all: charge it `amount`. */
export interface WindowAsk {
  key: string;
  amount: number;
  limit: number;
  ms: number;
}

export interface WindowCharge {
  key: string;
  windowStart: number;
}

export type AdmitResult =
  /** `charges`: one per window asked, in order, each with the window's count after it (budget alerts read it). */
  | { admitted: true; charges: { charge: WindowCharge; used: number }[] }
  | { admitted: false; refusedBy: 'concurrency' }
  /** `window`: the index of the first window that refused; `retryAfterMs`: until that window ends. */
  | { admitted: false; refusedBy: 'window'; window: number; retryAfterMs: number };

/**
 * Windows one party adds to an admission (the token and spend budgets, beside the rate limit and
 * the slot), and what it makes of the answer: so that a request is admitted by all its limits in
 * one step, while each party keeps its own words for a refusal.
 */
export interface AddedWindows<T> {
  windows: readonly WindowAsk[];
  /** Every window admitted: these windows' charges, in order. */
  admitted(charges: AdmitCharges): T;
  /** `windows[i]` refused the request (nothing was charged): what to throw. */
  refused(i: number, retryAfterMs: number): Error;
}

/** An admitted request: its slot's release (idempotent; nothing to do without a slot), and what the added windows made of their charges. */
export interface Admitted<T> {
  release: () => void;
  added?: T;
}

export type AdmitCharges = Extract<AdmitResult, { admitted: true }>['charges'];

/**
 * How shared stores name a counter: a digest of its key, so keys of any bytes (the admission key
 * joins rule, issuer and subject with NUL, which PostgreSQL text refuses) have one short form,
 * and no caller's subject is written to the store in clear.
 */
export function counterKeyDigest(key: string): string {
  let digest = recentDigests.get(key);
  if (digest === undefined) {
    if (recentDigests.size >= maxRecentDigests) recentDigests.clear();
    digest = createHash('sha256').update(key).digest('base64url');
    recentDigests.set(key, digest);
  }
  return digest;
}
/**
 * The digests of the keys seen lately: a caller's key is digested on each admission and release,
 * a hash object each time (≈ 10 µs of a lone caller's client CPU per admission in a profile,
 * ≈ 20 µs in an A/B; bench/README.md, "the lone caller's client work"). Bounded: emptied when full.
 */
const recentDigests = new Map<string, string>();
const maxRecentDigests = 10_000;

/** The answer shared by every store for the parts of the result they compute alike: windows[window], ending at `endsAt`, refused. */
export function windowRefusal(window: number, now: number, endsAt: number): AdmitResult {
  return { admitted: false, refusedBy: 'window', window, retryAfterMs: Math.max(0, endsAt - now) };
}
