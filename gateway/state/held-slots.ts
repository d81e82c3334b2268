/**
 * The concurrency slots this instance holds in a shared store, renewed together every third of
 * the lease so they outlive no holder by more than one lease (a holder that dies stops renewing).
 */
export class HeldSlots {
  private readonly slots = new Map<string, string>(); // slot id -> key
  private readonly timer: NodeJS.Timeout;

  constructor(leaseMs: number, renew: () => Promise<void>) {
    this.timer = setInterval(() => {
      if (this.slots.size) void renew().catch(() => undefined);
    }, Math.max(100, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  list(): { key: string; slot: string }[] {
    return [...this.slots].map(([slot, key]) => ({ key, slot }));
  }

  add(key: string, slot: string): void {
    this.slots.set(slot, key);
  }

  /** False when it was not held (already released). */
  delete(slot: string): boolean {
    return this.slots.delete(slot);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
