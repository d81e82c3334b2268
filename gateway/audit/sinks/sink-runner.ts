import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { retryDelayMs } from '../../core/retry-backoff';
import type { EventBus } from '../../events';
import type { AuditRecord } from '../../generated/audit-record';
import type { Logger } from '../../log';
import type { DurablePosition } from '../log-writer';
import { readFromCursor, type SinkCursor } from './log-reader';

/** One delivery format: sends a batch and resolves only once the receiver acknowledged it. */
export interface SinkTransport {
  deliver(records: AuditRecord[], lines: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface SinkRunnerOptions {
  name: string;
  /** `<dataDir>/audit`. */
  dir: string;
  durable: () => DurablePosition;
  batchSize: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /**
   * At most one delivery per this many ms (default 0: each new durable record is read at once):
   * what is written meanwhile goes in the next batch, so a busy gateway sends a batch per period,
   * not per record. A stop delivers what the period held back before returning.
   */
  minIntervalMs?: number;
  log: Logger;
  events: EventBus;
}

/**
 * Streams the durable log to one sink from a persisted cursor (`<dir>/cursors/<name>.json`),
 * advanced only after the sink acknowledged a batch: at-least-once, and receivers de-duplicate
 * by record id. A failing sink retries the same batch with exponential backoff and jitter, and
 * simply falls behind (lag()); the log is its queue, so nothing is lost across outages or restarts.
 */
export class SinkRunner {
  delivered = 0;
  failures = 0;
  private cursor?: SinkCursor;
  private stopped = false;
  private wakeUp?: () => void;
  private loop?: Promise<void>;
  private readonly cursorFile: string;
  /** Bumped by reset(): a batch read before it must not move the cursor it set back. */
  private generation = 0;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly transport: SinkTransport, private readonly o: SinkRunnerOptions) {
    this.cursorFile = join(o.dir, 'cursors', `${o.name}.json`);
  }

  get name(): string {
    return this.o.name;
  }

  async start(): Promise<void> {
    try {
      this.cursor = JSON.parse(await readFile(this.cursorFile, 'utf8')) as SinkCursor;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log.warn('audit sink: unreadable cursor, starting over', { sink: this.o.name });
    }
    await mkdir(join(this.o.dir, 'cursors'), { recursive: true });
    this.loop = this.run();
  }

  /** The oldest segment this sink still has to read ('' before it has read anything): retention keeps it. */
  neededSegment(): string {
    return this.cursor?.segment ?? '';
  }

  /** Records behind the durable head. */
  lag(): number {
    return Math.max(0, this.o.durable().seq - (this.cursor?.seq ?? 0));
  }

  /**
   * Sets the cursor back to the start of the kept log (the sink receives everything again and
   * de-duplicates by record id), e.g. after the SIEM lost an index. Returns the seq it was at.
   */
  async reset(): Promise<number> {
    const fromSeq = this.cursor?.seq ?? 0;
    this.generation++;
    this.cursor = undefined;
    await this.saving;
    await rm(this.cursorFile, { force: true });
    this.o.log.info('audit sink: cursor reset to the start of the log', { sink: this.o.name, fromSeq });
    this.wake();
    return fromSeq;
  }

  /** New durable records: read them now instead of waiting. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await this.transport.close();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let lastPass = false;
    let deliveredAt = 0;
    while (!this.stopped || lastPass) {
      const final = lastPass;
      lastPass = false;
      const waiting = new Promise<void>((resolve) => (this.wakeUp = resolve));
      const generation = this.generation;
      try {
        const batch = await readFromCursor(this.o.dir, this.cursor, this.o.batchSize, this.o.durable());
        if (batch.skipped) this.o.log.warn('audit sink: segments removed by retention before delivery', { sink: this.o.name, from: batch.skipped[0] });
        if (batch.records.length) {
          deliveredAt = Date.now();
          await this.transport.deliver(batch.records, batch.lines);
          this.delivered += batch.records.length;
        }
        if (generation !== this.generation) continue;
        if (batch.records.length || batch.skipped || !sameCursor(batch.next, this.cursor)) {
          this.cursor = batch.next;
          await (this.saving = this.saveCursor());
        }
        if (attempt > 0) this.o.log.info('audit sink: delivering again', { sink: this.o.name });
        attempt = 0;
        if (final) return;
        if (batch.records.length >= this.o.batchSize) continue;
        await waiting;
        const hold = deliveredAt + (this.o.minIntervalMs ?? 0) - Date.now();
        if (hold > 0 && !this.stopped) await Promise.race([waitMs(hold), this.stopSignal()]);
        // Stopped while holding records back for the period: deliver them before stopping.
        lastPass = hold > 0 && this.stopped;
      } catch (err) {
        if (final) return;
        this.failures++;
        attempt++;
        if (attempt === 1) {
          this.o.log.warn('audit sink: delivery failed; retrying with backoff', { sink: this.o.name, message: (err as Error).message });
          this.o.events.emit('sink.failed', { sink: this.o.name, message: (err as Error).message });
        }
        const delay = retryDelayMs(attempt, { initialDelayMs: this.o.backoffMinMs, maxDelayMs: this.o.backoffMaxMs }, Math.random());
        await Promise.race([waitMs(delay), this.stopSignal()]);
      }
    }
  }

  private stopSignal(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.stopped ? resolve() : (this.wakeUp = check));
      const prev = this.wakeUp;
      this.wakeUp = () => {
        prev?.();
        check();
      };
    });
  }

  private async saveCursor(): Promise<void> {
    const tmp = this.cursorFile + '.tmp';
    await writeFile(tmp, JSON.stringify(this.cursor) + '\n');
    await rename(tmp, this.cursorFile);
  }
}

function sameCursor(a: SinkCursor, b: SinkCursor | undefined): boolean {
  return !!b && a.segment === b.segment && a.offset === b.offset;
}

function waitMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
