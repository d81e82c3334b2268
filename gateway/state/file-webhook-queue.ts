import { randomUUID } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import type { Logger } from '../log';
import { writeFileAtomic } from './atomic-file';
import type { ClaimedDelivery, QueuedDelivery, WebhookQueueStore } from './webhook-queue-store';

/** Alerts are incidents (each rule has a cooldown), so a queue this long means a receiver down for long. */
export const defaultQueueCapacity = 1000;

interface QueueFile {
  version: 1;
  nextId: number;
  entries: QueuedDelivery[];
}

/**
 * The embedded gateway's webhook queue: the entries in memory and in one file of the data dir
 * (0600: the bodies name principals), rewritten whole on every change with write, fsync, rename
 * (`writeFileAtomic`), so a crash or kill -9 leaves the queue as of the last completed change.
 * Claims live only in memory: after a restart nothing is claimed, and a delivery cut short by the
 * crash goes out again. One gateway owns a data dir (its lock), so one process writes the file.
 * Bounded: a full queue drops its oldest entry for a new one.
 */
export class FileWebhookQueue implements WebhookQueueStore {
  private readonly claims = new Map<string, { claim: string; untilMs: number }>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string, private entries: QueuedDelivery[], private nextId: number, private readonly capacity: number) {}

  /** Reads the queue a previous run left; a file that cannot be parsed is set aside (logged) and the queue starts empty. */
  static async open(file: string, log: Logger, capacity = defaultQueueCapacity): Promise<FileWebhookQueue> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new FileWebhookQueue(file, [], 1, capacity);
      throw err;
    }
    try {
      const saved = JSON.parse(text) as QueueFile;
      if (saved.version !== 1 || !Array.isArray(saved.entries) || !Number.isSafeInteger(saved.nextId)) throw new Error('not a version 1 webhook queue');
      return new FileWebhookQueue(file, saved.entries, saved.nextId, capacity);
    } catch (err) {
      const aside = `${file}.unreadable-${Date.now()}`;
      await rename(file, aside);
      log.error('alerts: the webhook retry queue could not be read; set aside, starting empty', { file: aside, reason: (err as Error).message });
      return new FileWebhookQueue(file, [], 1, capacity);
    }
  }

  async enqueue(entry: { channel: string; alertId: string; body: string }, dueMs: number): Promise<QueuedDelivery[]> {
    this.entries.push({ id: String(this.nextId++), ...entry, attempts: 0, dueMs });
    const dropped = this.entries.length > this.capacity ? this.entries.splice(0, this.entries.length - this.capacity) : [];
    for (const d of dropped) this.claims.delete(d.id);
    await this.persist();
    return dropped;
  }

  async claim(channels: readonly string[], nowMs: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const claimed: ClaimedDelivery[] = [];
    for (const head of this.heads(channels)) {
      const held = this.claims.get(head.id);
      if (head.dueMs > nowMs || (held && held.untilMs > nowMs)) continue;
      head.attempts++;
      const claim = randomUUID();
      this.claims.set(head.id, { claim, untilMs: nowMs + leaseMs });
      claimed.push({ ...head, claim });
    }
    if (claimed.length) await this.persist();
    return claimed;
  }

  async remove(claimed: ClaimedDelivery): Promise<boolean> {
    if (!this.holds(claimed)) return false;
    this.claims.delete(claimed.id);
    this.entries = this.entries.filter((e) => e.id !== claimed.id);
    await this.persist();
    return true;
  }

  async retryAt(claimed: ClaimedDelivery, dueMs: number): Promise<boolean> {
    if (!this.holds(claimed)) return false;
    this.claims.delete(claimed.id);
    this.entries.find((e) => e.id === claimed.id)!.dueMs = dueMs;
    await this.persist();
    return true;
  }

  async removeOrphans(configured: readonly string[]): Promise<QueuedDelivery[]> {
    const orphans = this.entries.filter((e) => !configured.includes(e.channel));
    if (!orphans.length) return [];
    for (const o of orphans) this.claims.delete(o.id);
    this.entries = this.entries.filter((e) => configured.includes(e.channel));
    await this.persist();
    return orphans;
  }

  async nextDueMs(channels: readonly string[]): Promise<number | undefined> {
    const times = this.heads(channels).map((h) => Math.max(h.dueMs, this.claims.get(h.id)?.untilMs ?? 0));
    return times.length ? Math.min(...times) : undefined;
  }

  /** Only this process changes the file: nothing to hear of. */
  onChanged(): void {}

  async close(): Promise<void> {
    await this.writing;
  }

  /** The first entry of each channel named. */
  private heads(channels: readonly string[]): QueuedDelivery[] {
    const heads = new Map<string, QueuedDelivery>();
    for (const e of this.entries) if (channels.includes(e.channel) && !heads.has(e.channel)) heads.set(e.channel, e);
    return [...heads.values()];
  }

  private holds(claimed: ClaimedDelivery): boolean {
    return this.claims.get(claimed.id)?.claim === claimed.claim;
  }

  /** Writes the queue as it is now, after any write in progress (changes reach the file in order). */
  private persist(): Promise<void> {
    const text = JSON.stringify({ version: 1, nextId: this.nextId, entries: this.entries } satisfies QueueFile) + '\n';
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.file, text, 0o600));
    return this.writing;
  }
}
