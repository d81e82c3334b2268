import type { ServerResponse } from 'node:http';

/**
 * Writes one SSE comment line to every registered response on a single shared interval:
 * thousands of held streams cost one timer, not one each. The interval runs only while
 * someone is registered and never keeps the process alive by itself.
 */
export class CommentTicker {
  private readonly targets = new Set<ServerResponse>();
  private readonly line: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number, comment: string) {
    this.line = `: ${comment}\n\n`;
  }

  get size(): number {
    return this.targets.size;
  }

  add(res: ServerResponse): void {
    this.targets.add(res);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  delete(res: ServerResponse): void {
    this.targets.delete(res);
    if (this.targets.size === 0) this.stop();
  }

  close(): void {
    this.targets.clear();
    this.stop();
  }

  private tick(): void {
    for (const res of this.targets) {
      if (res.writableEnded || res.destroyed) this.targets.delete(res);
      else res.write(this.line);
    }
    if (this.targets.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
