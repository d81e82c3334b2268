import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { Logger } from '../log';
import { quoteIdent } from './migrate';

type Handler = (payload: string) => void;

/**
 * This instance's one LISTEN connection (a pool's connections cannot hold a LISTEN): dispatches
 * notifications by channel and, when the connection drops (PostgreSQL restarted), reconnects and
 * listens again by itself. NOTIFY is not queued for a listener that is away: what was sent while
 * the connection was down is lost, so `onReconnect` tells the subscribers to catch up from the
 * tables once it listens again.
 */
export class PgListener {
  private client: Client | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnected = new Set<() => void>();
  private connectedBefore = false;
  private closed = false;
  private connecting: Promise<void> | undefined;

  constructor(private readonly url: string, private readonly log: Logger, private readonly retryMs = 500) {}

  /** A channel name for `topic` within `schema` (identifiers are at most 63 bytes). */
  static channel(schema: string, topic: string): string {
    return `gatehouse_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}_${topic}`;
  }

  async listen(channel: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      this.handlers.set(channel, (set = new Set()));
      if (this.client) await this.client.query(`LISTEN ${quoteIdent(channel)}`);
    }
    set.add(handler);
    await this.connect();
    return () => void set.delete(handler);
  }

  /** Called each time the connection listens again after a drop (never on the first connect). */
  onReconnect(handler: () => void): () => void {
    this.reconnected.add(handler);
    return () => void this.reconnected.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    const client = new Client({ connectionString: this.url, keepAlive: true, application_name: 'gatehouse-listen' });
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      if (this.closed) return;
      this.log.warn('postgres: the LISTEN connection dropped; reconnecting', { reason: err?.message ?? 'ended' });
      this.retry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      for (const h of this.handlers.get(n.channel) ?? []) h(n.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      if (!this.closed) this.retry();
      throw err;
    }
    this.client = client;
    if (this.connectedBefore) for (const h of [...this.reconnected]) h();
    this.connectedBefore = true;
  }

  private retry(): void {
    setTimeout(() => void this.connect().catch(() => undefined), this.retryMs).unref();
  }
}
