import { windowRefusal, type Admission, type AdmitResult, type CounterStore, type WindowCharge } from './counter-store';

interface Window {
  start: number;
  ms: number;
  used: number;
}

/**
 * The embedded counters: one process, in memory, synchronous. Slots need no lease here (the
 * holder and the store die together). Memory is bounded: slot entries go away when they reach
 * zero, and windows are evicted (expired first, then oldest) past `maxTrackedKeys`.
 */
export class MemoryCounterStore implements CounterStore {
  readonly name = 'embedded';
  private readonly windows = new Map<string, Window>();
  private readonly slots = new Map<string, Set<string>>();
  private readonly maxKeys: number;

  constructor(options: { maxTrackedKeys?: number } = {}) {
    this.maxKeys = options.maxTrackedKeys ?? 100_000;
  }

  admit({ now, slot, windows = [] }: Admission): AdmitResult {
    const held = slot && this.slots.get(slot.key);
    if (slot && (held?.size ?? 0) >= slot.limit) return { admitted: false, refusedBy: 'concurrency' };
    const charges: { charge: WindowCharge; used: number }[] = [];
    const taken: { w: Window; amount: number }[] = [];
    for (let i = 0; i < windows.length; i++) {
      const { key, amount, limit, ms } = windows[i]!;
      const w = this.current(key, ms, now);
      if (w.used + amount > limit) {
        // All or nothing: what the windows before it took goes back (nothing ran in between).
        for (const t of taken) t.w.used -= t.amount;
        return windowRefusal(i, now, w.start + w.ms);
      }
      w.used += amount;
      taken.push({ w, amount });
      charges.push({ charge: { key, windowStart: w.start }, used: w.used });
    }
    if (slot) {
      if (held) held.add(slot.id);
      else this.slots.set(slot.key, new Set([slot.id]));
    }
    return { admitted: true, charges };
  }

  /** The key's window running at `now` (a new one when it has none, or its last one has ended). */
  private current(key: string, ms: number, now: number): Window {
    let w = this.windows.get(key);
    if (!w || now - w.start >= w.ms) {
      if (w) this.windows.delete(key); // re-inserted so Map order stays oldest-first for eviction
      w = { start: now, ms, used: 0 };
      this.windows.set(key, w);
      if (this.windows.size > this.maxKeys) this.evict(now);
    }
    return w;
  }

  release(key: string, slot: string): void {
    const held = this.slots.get(key);
    if (!held?.delete(slot)) return;
    if (held.size === 0) this.slots.delete(key);
  }

  settle(charge: WindowCharge, delta: number): number | undefined {
    const w = this.windows.get(charge.key);
    if (!w || w.start !== charge.windowStart) return undefined;
    w.used = Math.max(0, w.used + delta);
    return w.used;
  }

  /** Nothing to renew: the holder and this store die together. */
  renewLeases(): void {}

  async close(): Promise<void> {}

  /** Number of tracked windows and keys holding slots (for tests and metrics). */
  get size(): { windows: number; inFlight: number } {
    return { windows: this.windows.size, inFlight: this.slots.size };
  }

  private evict(now: number): void {
    // Expired windows first (they hold no information), then the oldest ones, down to 90% of the
    // cap so the sweep runs once per many new callers rather than on every one.
    const target = Math.floor(this.maxKeys * 0.9);
    for (const [k, w] of this.windows) {
      if (now - w.start >= w.ms) this.windows.delete(k);
    }
    for (const k of this.windows.keys()) {
      if (this.windows.size <= target) return;
      this.windows.delete(k);
    }
  }
}
