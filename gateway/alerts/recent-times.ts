/**
 * Per key, the times of the last `n` events: "n events within the window" is then one
 * subtraction. Memory is n numbers per key seen recently; idle keys are pruned.
 */
export class RecentTimes {
  private readonly byKey = new Map<string, { times: number[]; next: number }>();

  constructor(private readonly n: number, private readonly windowMs: number) {}

  /** Records an event; true when it is the n-th within the window. */
  hit(key: string, now: number): boolean {
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { times: [], next: 0 }));
    if (entry.times.length < this.n) entry.times.push(now);
    else entry.times[entry.next] = now;
    entry.next = (entry.next + 1) % this.n;
    if (entry.times.length < this.n) return false;
    const oldest = entry.times[entry.next];
    return now - oldest <= this.windowMs;
  }

  prune(now: number): void {
    for (const [key, entry] of this.byKey) {
      const newest = entry.times[(entry.next + this.n - 1) % this.n];
      if (now - newest > this.windowMs) this.byKey.delete(key);
    }
  }

  get size(): number {
    return this.byKey.size;
  }
}
