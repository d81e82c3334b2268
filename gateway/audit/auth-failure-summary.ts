import type { RecordFields } from './log-writer';

export interface AuthFailureSummaryOptions {
  /** Refusals per source and interval that get a record each. */
  perSource: number;
  intervalMs: number;
  /** Distinct sources tracked per interval; refusals from further ones share one overflow bucket. */
  maxSources: number;
  /** Writes a record; resolves once it is durable. */
  append(fields: RecordFields): Promise<unknown>;
}

/** Refusals counted into one summary record, and the promise their answers wait on. */
interface Summarized {
  count: number;
  codes: Record<string, number>;
  firstAt: number;
  lastAt: number;
  durable: Promise<void>;
  settle(err?: unknown): void;
}

/** The refusals from one source in the current interval. */
interface SourceWindow {
  recorded: number;
  /** Refusals over the limit, waiting for the summary that counts them. */
  summarized?: Summarized;
}

/** Refusals from sources past maxSources in the current interval: all counted, none recorded alone. */
interface Overflow {
  summarized: Summarized;
  /** The first and the last source that fell into it (evidence, at a fixed cost). */
  firstSource: string;
  lastSource: string;
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
 * The table holds only the sources seen in the current interval (cleared at every interval's end),
 * and at most `maxSources` of them: a spray of addresses would otherwise grow it, and the records,
 * without bound. Refusals from further sources are all counted into one overflow summary (no
 * `source`; `details.overflow` names the cap and the first and last such address), durable before
 * they are answered like any other.
 */
export class AuthFailureSummary {
  private windows = new Map<string, SourceWindow>();
  private overflow?: Overflow;
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
    const now = Date.now();
    let w = this.windows.get(source);
    if (!w) {
      if (this.windows.size >= this.o.maxSources) {
        this.overflow ??= { summarized: summary(now), firstSource: source, lastSource: source };
        this.overflow.lastSource = source;
        return count(this.overflow.summarized, code, now);
      }
      this.windows.set(source, (w = { recorded: 0 }));
    }
    if (w.recorded < this.o.perSource) {
      w.recorded++;
      return undefined;
    }
    w.summarized ??= summary(now);
    return count(w.summarized, code, now);
  }

  /** Writes the interval's summaries now (a clean stop) and stops the timer. */
  close(): Promise<void> {
    return this.endInterval();
  }

  private endInterval(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const windows = this.windows;
    const overflow = this.overflow;
    const from = new Date(this.windowStart).toISOString();
    const to = new Date().toISOString();
    this.windows = new Map();
    this.overflow = undefined;
    const writes: Promise<void>[] = [];
    const write = (s: Summarized, fields: RecordFields) => this.o.append(fields).then(() => s.settle(), (err: unknown) => s.settle(err ?? new Error('audit write failed')));
    const times = (s: Summarized) => ({ first: new Date(s.firstAt).toISOString(), last: new Date(s.lastAt).toISOString() });
    for (const [source, w] of windows) {
      const s = w.summarized;
      if (!s) continue;
      writes.push(write(s, { kind: 'auth_failed_summary', source, details: { count: s.count, codes: s.codes, recordedSeparately: w.recorded, interval: { from, to }, ...times(s) } }));
    }
    if (overflow) {
      const s = overflow.summarized;
      const details = { count: s.count, codes: s.codes, recordedSeparately: 0, interval: { from, to }, ...times(s), overflow: { maxSources: this.o.maxSources, firstSource: overflow.firstSource, lastSource: overflow.lastSource } };
      writes.push(write(s, { kind: 'auth_failed_summary', details }));
    }
    return Promise.all(writes).then(() => undefined);
  }
}

function summary(now: number): Summarized {
  let settle!: (err?: unknown) => void;
  const durable = new Promise<void>((resolve, reject) => (settle = (err) => (err === undefined ? resolve() : reject(err))));
  return { count: 0, codes: {}, firstAt: now, lastAt: now, durable, settle };
}

/** Counts one refusal into `s`; its answer waits for the summary to be durable. */
function count(s: Summarized, code: string | undefined, now: number): Promise<void> {
  s.count++;
  s.lastAt = now;
  const key = code ?? 'unknown';
  s.codes[key] = (s.codes[key] ?? 0) + 1;
  return s.durable;
}
