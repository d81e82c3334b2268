import { randomUUID } from 'node:crypto';
import type { EventFanout, FanoutEvent } from './event-fanout';
import type { PostgresState } from './postgres-state';
import { PgListener } from './pg-listener';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const maxPayloadBytes = 7900;

interface Pending {
  json: string;
  bytes: number;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Admin events across the fleet through NOTIFY: this instance's subscribers get an event at once;
 * the others through the events channel. Publishes go out one NOTIFY at a time, in order, and
 * what piles up meanwhile goes in the next one (a batch under the payload limit), so a busy
 * instance sends far fewer notifications than events.
 */
export class PostgresEventFanout implements EventFanout {
  private readonly listeners = new Set<(event: FanoutEvent) => void>();
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly queue: Pending[] = [];
  private sending = false;
  private stopListening: (() => void) | undefined;

  private constructor(private readonly pg: PostgresState) {
    this.channel = PgListener.channel(pg.schema, 'events');
  }

  static async open(pg: PostgresState, listener: PgListener): Promise<PostgresEventFanout> {
    const fanout = new PostgresEventFanout(pg);
    fanout.stopListening = await listener.listen(fanout.channel, (payload) => fanout.received(payload));
    return fanout;
  }

  publish(event: FanoutEvent): Promise<void> {
    for (const l of this.listeners) l(event);
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json);
    if (bytes > maxPayloadBytes - 100) return Promise.reject(new Error(`event ${event.name} is too large to fan out (${bytes} bytes)`));
    return new Promise((resolve, reject) => {
      this.queue.push({ json, bytes, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  subscribe(listener: (event: FanoutEvent) => void): () => void {
    const each = (event: FanoutEvent) => listener(event);
    this.listeners.add(each);
    return () => this.listeners.delete(each);
  }

  async close(): Promise<void> {
    this.stopListening?.();
    this.listeners.clear();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (this.queue.length) {
      const batch: Pending[] = [];
      let bytes = 60;
      while (this.queue.length && bytes + this.queue[0]!.bytes + 1 < maxPayloadBytes) {
        const next = this.queue.shift()!;
        bytes += next.bytes + 1;
        batch.push(next);
      }
      const payload = `{"origin":"${this.origin}","events":[${batch.map((p) => p.json).join(',')}]}`;
      try {
        await this.pg.query('SELECT pg_notify($1, $2)', [this.channel, payload]);
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      }
    }
    this.sending = false;
  }

  private received(payload: string): void {
    let note: { origin: string; events: FanoutEvent[] };
    try {
      note = JSON.parse(payload);
    } catch {
      return;
    }
    if (note.origin === this.origin) return;
    for (const event of note.events) for (const l of this.listeners) l(event);
  }
}
