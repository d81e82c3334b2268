import type { Logger } from '../log';
import { counterKeyDigest, windowRefusal, type Admission, type AdmitResult, type CounterStore, type WindowCharge } from './counter-store';
import { HeldSlots } from './held-slots';
import type { PostgresState } from './postgres-state';

interface AdmitRow {
  admitted: boolean;
  refused_by: 'rate' | 'concurrency' | null;
  window_start: string | null;
  window_ms: string | null;
  used: string | null;
}

/**
 * Counters in the fleet's PostgreSQL: one statement per admission (the `admit` function of
 * migration 002: slot check, window upsert `INSERT … ON CONFLICT … RETURNING`, slot lease), so
 * N instances never let more through than one would. Slots are leases renewed while held.
 */
export class PostgresCounterStore implements CounterStore {
  readonly name = 'postgres';
  private readonly held: HeldSlots;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly pg: PostgresState, private readonly leaseMs: number, private readonly log: Logger, now: () => number = Date.now) {
    this.held = new HeldSlots(leaseMs, () => this.renewLeases(now()));
    // Ended windows and empty slot rows hold no information: cleared now and then, by any instance.
    this.sweeper = setInterval(() => void this.sweep(now()).catch(() => undefined), 60_000);
    this.sweeper.unref();
  }

  async admit({ key, now, window, slot }: Admission): Promise<AdmitResult> {
    const rowKey = counterKeyDigest(key);
    const [row] = await this.pg.query<AdmitRow>('SELECT admitted, refused_by, window_start, window_ms, used FROM admit($1, $2, $3, $4, $5, $6, $7, $8)', [
      rowKey, now, window?.amount ?? null, window?.limit ?? null, window?.ms ?? null, slot?.id ?? null, slot?.limit ?? null, slot?.leaseMs ?? null,
    ], 'gatehouse-admit');
    if (!row.admitted) {
      if (row.refused_by === 'concurrency') return { admitted: false, refusedBy: 'concurrency' };
      return windowRefusal(now, Number(row.window_start), Number(row.window_ms));
    }
    if (slot) this.held.add(key, slot.id);
    return window ? { admitted: true, charge: { key, windowStart: Number(row.window_start) }, used: Number(row.used) } : { admitted: true };
  }

  release(key: string, slot: string): void {
    if (!this.held.delete(slot)) return;
    this.pg.query('UPDATE concurrency_slots SET holders = holders - $2 WHERE key = $1', [counterKeyDigest(key), slot], 'gatehouse-release').catch((err: Error) =>
      this.log.warn('counters: a slot could not be given back; its lease will expire', { reason: err.message }));
  }

  async settle(charge: WindowCharge, delta: number): Promise<number | undefined> {
    const [row] = await this.pg.query<{ used: string }>('UPDATE rate_windows SET used = greatest(0, used + $3) WHERE key = $1 AND window_start = $2 RETURNING used',
      [counterKeyDigest(charge.key), charge.windowStart, delta], 'gatehouse-settle');
    return row ? Number(row.used) : undefined;
  }

  /** Extends the leases of held slots (only those still there: a slot given back stays given back). */
  async renewLeases(now: number): Promise<void> {
    const slots = this.held.list();
    if (!slots.length) return;
    await this.pg.query(
      `UPDATE concurrency_slots c SET holders = c.holders || coalesce((SELECT jsonb_object_agg(u.slot, $3::bigint) FROM unnest($1::text[], $2::text[]) AS u(key, slot) WHERE u.key = c.key AND c.holders ? u.slot), '{}')
       WHERE c.key = ANY($1::text[])`,
      [slots.map((s) => counterKeyDigest(s.key)), slots.map((s) => s.slot), now + this.leaseMs],
    );
  }

  async sweep(now: number): Promise<void> {
    await this.pg.query('DELETE FROM rate_windows WHERE window_start + window_ms < $1', [now]);
    await this.pg.query(`DELETE FROM concurrency_slots c WHERE NOT EXISTS (SELECT 1 FROM jsonb_each(c.holders) AS e(k, v) WHERE (e.v)::bigint > $1)`, [now]);
  }

  async close(): Promise<void> {
    this.held.close();
    clearInterval(this.sweeper);
  }
}
