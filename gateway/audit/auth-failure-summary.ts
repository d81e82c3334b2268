import type { RecordFields } from './log-writer';

export interface AuthFailureSummaryOptions {
  /** Refusals per source and interval that get a record each. */
  perSource: number;
  intervalMs: number;
  /** Writes a record; resolves once it is durable. */
  append(fields: RecordFields): Promise<unknown>;
}

/** The refusals from one source in the current interval. */
interface SourceWindow {
  recorded: number;
  /** Refusals over the limit, waiting for the summary that counts them. */
  summarized?: { count: number; codes: Record<string, number>; firstAt: number; lastAt: number; durable: Promise<void>; settle(err?: unknown): void };
}

/**
 * Keeps an unauthenticated flood from filling the disk and the sync queue, without answering
 * any refusal before a durable record accounts for it.
 *
 * Per source address and fixed interval: the first `perSource` refusals get their own record
 * (`admit` returns undefined: the caller writes it). Later ones are counted; `admit` returns a
 * promise that resolves once the interval's `auth_failed_summary` record (written when the
 * interval ends) is durable, so their answers wait for it, and rejects when it could not be
 * written (the caller fails closed). A source thus costs at most perSource + 1 records per
 * interval, and a flood is slowed to one answer per interval per connection.
 *
 * The table holds only the sources seen in the current interval: it is cleared at every interval's end.
 */
export class AuthFailureSummary {
  private windows = new Map<string, SourceWindow>();
  private timer?: NodeJS.Timeout;
  private windowStart = 0;

  constructor(private readonly o: AuthFailureSummaryOptions) {}

  admit(source: string, code: string | undefined): Promise<void> | undefined {
    if (!this.timer) {
      this.windowStart = Date.now();
      this.timer = setTimeout(() => void this.endInterval(), this.o.intervalMs);
      // The waiting answers keep their sockets (and the process) alive; the timer need not.
      this.timer.unref();
    }
    let w = this.windows.get(source);
    if (!w) this.windows.set(source, (w = { recorded: 0 }));
    if (w.recorded < this.o.perSource) {
      w.recorded++;
      return undefined;
    }
    const now = Date.now();
    if (!w.summarized) {
      let settle!: (err?: unknown) => void;
      const durable = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
      w.summarized = { count: 0, codes: {}, firstAt: now, lastAt: now, durable, settle };
    }
    const s = w.summarized;
    s.count++;
    s.lastAt = now;
    const key = code ?? 'unknown';
    s.codes[key] = (s.codes[key] ?? 0) + 1;
    return s.durable;
  }

  /** Writes the interval's summaries now (a clean stop) and stops the timer. */
  close(): Promise<void> {
    return this.endInterval();
  }

  private endInterval(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const windows = this.windows;
    const from = new Date(this.windowStart).toISOString();
    const to = new Date().toISOString();
    this.windows = new Map();
    const writes: Promise<void>[] = [];
    for (const [source, w] of windows) {
      const s = w.summarized;
      if (!s) continue;
      const details = {
        count: s.count,
        codes: s.codes,
        recordedSeparately: w.recorded,
        interval: { from, to },
        first: new Date(s.firstAt).toISOString(),
        last: new Date(s.lastAt).toISOString(),
      };
      writes.push(this.o.append({ kind: 'auth_failed_summary', source, details }).then(() => s.settle(), (err: unknown) => s.settle(err ?? new Error('audit write failed'))));
    }
    return Promise.all(writes).then(() => undefined);
  }
}
