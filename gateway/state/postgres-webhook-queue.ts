import { randomUUID } from 'node:crypto';
import { FleetSignal } from './fleet-signal';
import type { PgListener } from './pg-listener';
import type { PostgresState } from './postgres-state';
import type { ClaimedDelivery, QueuedDelivery, WebhookQueueStore } from './webhook-queue-store';

interface Row {
  id: string;
  channel: string;
  alert_id: string;
  body: string;
  attempts: number;
  due_ms: string;
}

/**
 * The fleet's webhook queue in PostgreSQL (migration 006). A claim is one statement: the head of
 * each channel, if due and not under a live lease, locked FOR UPDATE SKIP LOCKED (an instance
 * claiming the same head at the same moment skips it; one that claims it after re-checks the
 * lease on the row it locks) and stamped with this claim and its lease end.
 *
 * Queuing or rescheduling an entry tells the other instances (a NOTIFY on the `webhook-queue`
 * signal), so an idle one looks at once: it claims what is due, or wakes when it will be (and when
 * a claim's lease ends, should its holder die). The poll stays as the fallback for a notification
 * missed while an instance's LISTEN connection was down; the reconnect itself also says look.
 */
export class PostgresWebhookQueue implements WebhookQueueStore {
  /** `instance`: this gateway's id, the first part of its claims (which instance holds an entry shows in the table). */
  private constructor(private readonly pg: PostgresState, private readonly instance: string, private readonly signal: FleetSignal, private readonly listener: PgListener) {}

  static async open(pg: PostgresState, listener: PgListener, instance: string): Promise<PostgresWebhookQueue> {
    return new PostgresWebhookQueue(pg, instance, await FleetSignal.open(pg, listener, 'webhook-queue'), listener);
  }

  async enqueue(entry: { channel: string; alertId: string; body: string }, dueMs: number): Promise<QueuedDelivery[]> {
    await this.pg.query('INSERT INTO webhook_queue (channel, alert_id, body, due_ms) VALUES ($1, $2, $3, $4)', [entry.channel, entry.alertId, entry.body, dueMs]);
    await this.tell();
    return [];
  }

  async claim(channels: readonly string[], nowMs: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const claim = `${this.instance}/${randomUUID()}`;
    const rows = await this.pg.query<Row>(
      `UPDATE webhook_queue q SET attempts = q.attempts + 1, claim = $3, lease_until_ms = $2::bigint + $4::bigint
       WHERE q.id IN (
         SELECT w.id FROM webhook_queue w
         WHERE w.id IN (SELECT DISTINCT ON (channel) id FROM webhook_queue WHERE channel = ANY($1::text[]) ORDER BY channel, id)
           AND w.due_ms <= $2 AND (w.lease_until_ms IS NULL OR w.lease_until_ms <= $2)
         FOR UPDATE OF w SKIP LOCKED)
       RETURNING q.id, q.channel, q.alert_id, q.body, q.attempts, q.due_ms`,
      [channels, nowMs, claim, leaseMs],
      'webhook-queue-claim',
    );
    return rows.map((r) => ({ id: r.id, channel: r.channel, alertId: r.alert_id, body: r.body, attempts: r.attempts, dueMs: Number(r.due_ms), claim }));
  }

  async remove(claimed: ClaimedDelivery): Promise<boolean> {
    return (await this.pg.query('DELETE FROM webhook_queue WHERE id = $1 AND claim = $2 RETURNING 1', [claimed.id, claimed.claim])).length > 0;
  }

  async retryAt(claimed: ClaimedDelivery, dueMs: number): Promise<boolean> {
    const rows = await this.pg.query('UPDATE webhook_queue SET due_ms = $3, claim = NULL, lease_until_ms = NULL WHERE id = $1 AND claim = $2 RETURNING 1', [claimed.id, claimed.claim, dueMs]);
    if (rows.length > 0) await this.tell();
    return rows.length > 0;
  }

  async removeOrphans(configured: readonly string[], nowMs: number, staleMs: number): Promise<QueuedDelivery[]> {
    // One statement: the channels not configured here whose head nobody has claimed or rescheduled for staleMs.
    const rows = await this.pg.query<Row>(
      `DELETE FROM webhook_queue q WHERE q.channel IN (
         SELECT h.channel FROM webhook_queue h
         WHERE h.id IN (SELECT DISTINCT ON (channel) id FROM webhook_queue WHERE channel <> ALL($1::text[]) ORDER BY channel, id)
           AND greatest(h.due_ms, coalesce(h.lease_until_ms, 0)) <= $2::bigint - $3::bigint)
       RETURNING q.id, q.channel, q.alert_id, q.body, q.attempts, q.due_ms`,
      [configured, nowMs, staleMs],
    );
    return rows.map((r) => ({ id: r.id, channel: r.channel, alertId: r.alert_id, body: r.body, attempts: r.attempts, dueMs: Number(r.due_ms) })).sort((a, b) => Number(a.id) - Number(b.id));
  }

  async nextDueMs(channels: readonly string[]): Promise<number | undefined> {
    const [row] = await this.pg.query<{ next: string | null }>(
      `SELECT min(greatest(due_ms, coalesce(lease_until_ms, 0))) AS next FROM webhook_queue
       WHERE id IN (SELECT DISTINCT ON (channel) id FROM webhook_queue WHERE channel = ANY($1::text[]) ORDER BY channel, id)`,
      [channels],
      'webhook-queue-next',
    );
    return row?.next == null ? undefined : Number(row.next);
  }

  onChanged(handler: () => void): void {
    this.signal.on(handler);
    this.listener.onReconnect(handler);
  }

  async close(): Promise<void> {}

  /** Tells the other instances to look. The entry is stored already: a lost notification only leaves it to their poll. */
  private async tell(): Promise<void> {
    await this.signal.send().catch(() => undefined);
  }
}
