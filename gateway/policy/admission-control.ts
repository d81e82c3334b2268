import { GatehouseError } from '../errors';
import type { Decision, Principal } from '../core/types';

export interface AdmissionControlOptions {
  /** Most rate windows kept at once; idle principals are evicted first. Default 100 000. */
  maxTrackedKeys?: number;
  now?: () => number;
}

interface Window {
  start: number;
  count: number;
  windowMs: number;
}

const noop = () => {};

/**
 * Enforces a decision's per-principal limits: requests per fixed window (per rule) and requests
 * in flight at once (per rule). Memory is bounded: concurrency entries go away when they reach
 * zero, and rate windows are evicted (expired first, then oldest) past `maxTrackedKeys`.
 * Counters live in this process; several replicas need a shared store (see DESIGN.md).
 */
export class AdmissionControl {
  private readonly windows = new Map<string, Window>();
  private readonly inFlight = new Map<string, number>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: AdmissionControlOptions = {}) {
    this.maxKeys = options.maxTrackedKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Throws 429 when over a limit; otherwise returns the release function for concurrency (idempotent). */
  admit(principal: Principal, decision: Decision): () => void {
    const { rate, concurrent } = decision.limits;
    if (!rate && concurrent === undefined) return noop;
    const key = `${decision.rule}\u0000${principal.issuer}\u0000${principal.subject}`;
    // Concurrency is checked before the rate window is charged, so a refused request costs nothing.
    if (concurrent !== undefined && (this.inFlight.get(key) ?? 0) >= concurrent) {
      throw new GatehouseError(429, 'ERR_POLICY_CONCURRENCY',
        `too many concurrent requests: rule ${decision.rule} allows ${concurrent} at once per caller`,
        { headers: { 'retry-after': '1' }, details: { rule: decision.rule, concurrent } });
    }
    if (rate) this.charge(key, decision.rule, rate.requests, rate.windowSeconds);
    if (concurrent === undefined) return noop;
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.inFlight.get(key) ?? 1) - 1;
      if (n <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, n);
    };
  }

  /** Number of tracked rate windows and in-flight keys (for tests and metrics). */
  get size(): { windows: number; inFlight: number } {
    return { windows: this.windows.size, inFlight: this.inFlight.size };
  }

  private charge(key: string, rule: string, limit: number, windowSeconds: number): void {
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      if (w) this.windows.delete(key); // re-insert so Map order stays oldest-first for eviction
      w = { start: now, count: 0, windowMs };
      this.windows.set(key, w);
      if (this.windows.size > this.maxKeys) this.evict(now);
    }
    if (w.count >= limit) {
      const retryAfter = Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
      throw new GatehouseError(429, 'ERR_POLICY_RATE_LIMITED',
        `rate limit exceeded: rule ${rule} allows ${limit} requests per ${windowSeconds}s per caller; retry in ${retryAfter}s`,
        { headers: { 'retry-after': String(retryAfter) }, details: { rule, limit, windowSeconds } });
    }
    w.count++;
  }

  private evict(now: number): void {
    // Expired windows first (they hold no information), then the oldest ones, down to 90% of the
    // cap so the sweep runs once per many new callers rather than on every one.
    const target = Math.floor(this.maxKeys * 0.9);
    for (const [k, w] of this.windows) {
      if (now - w.start >= w.windowMs) this.windows.delete(k);
    }
    for (const k of this.windows.keys()) {
      if (this.windows.size <= target) return;
      this.windows.delete(k);
    }
  }
}
