import type { Logger } from '../log';

/**
 * Whether a shared store answers. A failed call marks it down; while down, calls fail at once
 * (no connect timeout per request) and a probe runs every `probeMs` until the store answers again,
 * so everything resumes by itself. `/readyz` lists the stores that are down.
 */
export class StateHealth {
  private downSince: number | undefined;
  private reason = '';
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly changed = new Set<() => void>();

  constructor(readonly store: string, private readonly probe: () => Promise<void>, private readonly log: Logger, private readonly probeMs = 500) {}

  get available(): boolean {
    return this.downSince === undefined;
  }

  /** Why the store is down ('' when up). */
  get problem(): string {
    return this.reason;
  }

  /** Calls `listener` each time the store goes down or comes back (the instance's readiness changed). */
  onChange(listener: () => void): void {
    this.changed.add(listener);
  }

  down(err: unknown): void {
    this.reason = err instanceof Error ? err.message : String(err);
    if (this.downSince !== undefined || this.closed) return;
    this.downSince = Date.now();
    this.log.error('shared state unavailable: requests that need it are refused (503 ERR_STATE_UNAVAILABLE) until it answers again', { store: this.store, reason: this.reason });
    this.schedule();
    for (const l of this.changed) l();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.check(), this.probeMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    try {
      await this.probe();
    } catch (err) {
      this.reason = (err as Error).message;
      this.schedule();
      return;
    }
    this.log.info('shared state available again', { store: this.store, downMs: Date.now() - this.downSince! });
    this.downSince = undefined;
    this.reason = '';
    for (const l of this.changed) l();
  }
}
