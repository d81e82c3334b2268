import { randomUUID } from 'node:crypto';
import type { GatewayEventName } from '../core/admin-api';
import type { EventFanout, FanoutEvent } from './event-fanout';
import type { PostgresState } from './postgres-state';
import { PgListener } from './pg-listener';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const maxPayloadBytes = 7900;

/**
 * How a writer that took over some events (`carry`) announces them to the other instances within
 * its own statement: `pg_notify(channel, prefix || <events' JSON, comma-separated> || suffix)`,
 * one notification per chunk (`chunks` numbers the events so each chunk fits a payload; -1: an
 * event too large for any, which is not announced).
 */
export interface EventNotices {
  channel: string;
  prefix: string;
  suffix: string;
  chunks(jsons: string[]): number[];
}

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
  /** Events another statement announces to the fleet (`carry`): published here to this instance only. */
  private readonly carried = new Set<GatewayEventName>();
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

  publish(event: FanoutEvent): Promise<void> | undefined {
    for (const l of this.listeners) l(event);
    if (this.carried.has(event.name)) return undefined;
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json);
    if (bytes > maxPayloadBytes - 100) return Promise.reject(new Error(`event ${event.name} is too large to fan out (${bytes} bytes)`));
    return new Promise((resolve, reject) => {
      this.queue.push({ json, bytes, resolve, reject });
      if (!this.sending) void this.drain();
    });
  }

  /**
   * Hands the fleet-wide delivery of `name` events to a writer that announces them with its own
   * statement (the audit index: a batch's `audit.appended` ride with the insert that indexes it,
   * one notification per batch instead of a NOTIFY per record). From now on `publish` gives them
   * to this instance's subscribers only; the other instances receive what the writer sends.
   */
  carry(name: GatewayEventName): EventNotices {
    this.carried.add(name);
    const prefix = `{"origin":"${this.origin}","events":[`;
    return {
      channel: this.channel,
      prefix,
      suffix: ']}',
      chunks: (jsons) => {
        let chunk = 0;
        let bytes = prefix.length + 2;
        return jsons.map((json) => {
          const size = Buffer.byteLength(json) + 1;
          if (prefix.length + 2 + size >= maxPayloadBytes) return -1; // too large to announce (publish refuses it too)
          if (bytes + size >= maxPayloadBytes && bytes > prefix.length + 2) {
            chunk++;
            bytes = prefix.length + 2;
          }
          bytes += size;
          return chunk;
        });
      },
    };
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
