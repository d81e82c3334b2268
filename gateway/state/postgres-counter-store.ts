import type { Logger } from '../log';
import { counterKeyDigest, windowRefusal, type Admission, type AdmitResult, type CounterStore, type WindowCharge } from './counter-store';
import { HeldSlots } from './held-slots';
import type { PostgresState } from './postgres-state';

interface AdmitRow {
  i: number;
  refused_by: 'window' | 'concurrency' | null;
  refused_window: number | null;
  refused_until: string | null;
  window_start: string[] | null;
  /** Row i = 0 (settlements): NULL for a settlement whose window had ended. */
  used: (string | null)[] | null;
}

interface Queued {
  admission: Admission;
  resolve(result: AdmitResult): void;
  reject(err: unknown): void;
}

interface QueuedSettlement {
  rowKey: string;
  windowStart: number;
  delta: number;
  resolve(used: number | undefined): void;
  reject(err: unknown): void;
}

/** Most admissions in one statement (arrays of this length are cheap to send and to unnest). */
const maxBatch = 256;
/**
 * Statements of this instance in flight at once. A second batch on a hot key only waits on the key's
 * advisory lock behind the first (PostgreSQL CPU and a connection spent waiting); admissions that
 * arrive meanwhile are gathered and go together once the answer is in (bench/README.md, "One
 * statement in flight per instance").
 */
const maxInFlight = 1;
/**
 * Counters in the fleet's PostgreSQL: one `admit_batch` statement (migrations 008–012) carries what
 * this instance gathered, each admission all of one request's limits (slot count, each window's
 * upsert `INSERT … ON CONFLICT … RETURNING`, a lease row per slot), all or nothing, so N instances
 * never let more through than one would, with one round trip per admission at most. One statement
 * is in flight at a time: it goes at the end of the tick that asks when none is, else everything
 * asked meanwhile goes together once its answer is in.
 * Released slots and budget settlements ride with the next statement. Slots are leases renewed while held.
 */
export class PostgresCounterStore implements CounterStore {
  readonly name = 'postgres';
  private readonly held: HeldSlots;
  private readonly sweeper: NodeJS.Timeout;
  private queue: Queued[] = [];
  private releases: { rowKey: string; slot: string }[] = [];
  private settlements: QueuedSettlement[] = [];
  private flushScheduled = false;
  /** Statements sent and not yet answered. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly pg: PostgresState, private readonly leaseMs: number, private readonly log: Logger, now: () => number = Date.now) {
    this.held = new HeldSlots(leaseMs, () => this.renewLeases(now()));
    // Ended windows and empty slot rows hold no information: cleared now and then, by any instance.
    this.sweeper = setInterval(() => void this.sweep(now()).catch(() => undefined), 60_000);
    this.sweeper.unref();
  }

  admit(admission: Admission): Promise<AdmitResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ admission, resolve, reject });
      this.wake();
    });
  }

  /**
   * What is queued goes after this tick's I/O callbacks (every admission and release they make in
   * the same statement), or, with a statement in flight, once its answer is in (this process is
   * awake then anyway). Never on a timer of its own: on this VM waking an idle process costs more
   * CPU than the round trip (bench/README.md, "the floor of one round trip").
   */
  private wake(): void {
    if (!this.pending() || this.flushScheduled || this.inFlight.size >= maxInFlight) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  release(key: string, slot: string): void {
    if (!this.held.delete(slot)) return;
    this.releases.push({ rowKey: counterKeyDigest(key), slot });
    this.wake();
  }

  /** Rides with the admissions and releases of the next statement (migration 012), like a release. */
  settle(charge: WindowCharge, delta: number): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.settlements.push({ rowKey: counterKeyDigest(charge.key), windowStart: charge.windowStart, delta, resolve, reject });
      this.wake();
    });
  }

  /**
   * Extends the leases of held slots (only those still there: a slot given back stays given back).
   * Only the places this instance's slots hold (an admission takes a place only when it is free or expired).
   */
  async renewLeases(now: number): Promise<void> {
    const slots = this.held.list();
    if (!slots.length) return;
    await this.pg.query(
      'UPDATE slot_leases l SET expires = $3 FROM unnest($1::text[], $2::text[]) AS u(key, slot) WHERE l.key = u.key AND l.holder = u.slot',
      [slots.map((s) => counterKeyDigest(s.key)), slots.map((s) => s.slot), now + this.leaseMs],
    );
  }

  /** Skips rows and keys another statement holds (no waiting, so no deadlock with a batch): the next sweep gets them. */
  async sweep(now: number): Promise<void> {
    await this.pg.query('DELETE FROM rate_windows WHERE key IN (SELECT key FROM rate_windows WHERE window_start + window_ms < $1 FOR UPDATE SKIP LOCKED)', [now]);
    // A key none of whose places is held: its rows go, unless an admission of it runs (it holds the
    // key's lock), and each only if still free when deleted (the row's condition is checked again).
    await this.pg.query(`DELETE FROM slot_leases l WHERE l.key IN (SELECT key FROM slot_leases GROUP BY key HAVING bool_and(holder IS NULL OR expires < $1))
      AND (l.holder IS NULL OR l.expires < $1) AND pg_try_advisory_xact_lock(hashtext('gatehouse slot_leases'), hashtext(l.key))`, [now]);
  }

  async close(): Promise<void> {
    this.held.close();
    clearInterval(this.sweeper);
    // Slots given back just now still reach the store (best effort: otherwise their leases expire).
    while (this.inFlight.size) await Promise.allSettled(this.inFlight);
    if (this.pending()) await this.flush();
  }

  private pending(): boolean {
    return this.queue.length > 0 || this.releases.length > 0 || this.settlements.length > 0;
  }

  /**
   * Sends what is queued as one statement: every pending release and settlement, and at most maxBatch admissions
   * (the rest go with the next). Once it is answered, and before its admissions hear their answers,
   * what was queued meanwhile is scheduled to go.
   */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    if (!this.pending()) return;
    const releases = this.releases.splice(0);
    const settlements = this.settlements.splice(0);
    const batch = this.queue.splice(0, maxBatch);
    const windows = batch.flatMap((q) => q.admission.windows ?? []);
    const answer = this.pg.query<AdmitRow>('SELECT i, refused_by, refused_window, refused_until, window_start, used FROM admit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)', [
      releases.map((r) => r.rowKey), releases.map((r) => r.slot),
      settlements.map((t) => t.rowKey), settlements.map((t) => t.windowStart), settlements.map((t) => t.delta),
      batch.map((q) => q.admission.now),
      batch.map((q) => (q.admission.slot ? counterKeyDigest(q.admission.slot.key) : null)), batch.map((q) => q.admission.slot?.id ?? null),
      batch.map((q) => q.admission.slot?.limit ?? null), batch.map((q) => q.admission.slot?.leaseMs ?? null),
      batch.map((q) => q.admission.windows?.length ?? 0),
      windows.map((w) => counterKeyDigest(w.key)), windows.map((w) => w.amount), windows.map((w) => w.limit), windows.map((w) => w.ms),
    ], 'gatehouse-admit-settle');
    this.inFlight.add(answer);
    if (this.queue.length) this.wake();
    let rows: AdmitRow[];
    try {
      rows = await answer;
    } catch (err) {
      if (releases.length) this.log.warn('counters: slots could not be given back; their leases will expire', { slots: releases.length, reason: (err as Error).message });
      for (const q of batch) q.reject(err);
      for (const t of settlements) t.reject(err);
      return;
    } finally {
      this.inFlight.delete(answer);
      this.wake();
    }
    for (const row of rows) {
      if (row.i === 0) {
        // The settlements' counts after them, in order (NULL: that window had ended).
        settlements.forEach((t, k) => t.resolve(row.used![k] === null ? undefined : Number(row.used![k])));
        continue;
      }
      const q = batch[row.i - 1]!;
      q.resolve(this.result(q.admission, row));
    }
    // Each admission has its row, and the settlements one (i = 0) when there are any; one without
    // would otherwise wait forever. Checked by count rather than rejecting every settled promise
    // with an Error built per statement (its stack captured): ≈ 20 µs of a lone caller's client
    // CPU per admission (bench/README.md, "the lone caller's client work").
    if (rows.length < batch.length + (settlements.length ? 1 : 0)) {
      const missing = new Error('admit_batch returned no row for an admission or a settlement');
      for (const q of batch) q.reject(missing);
      for (const t of settlements) t.reject(missing);
    }
  }

  private result({ now, slot, windows = [] }: Admission, row: AdmitRow): AdmitResult {
    if (row.refused_by === 'concurrency') return { admitted: false, refusedBy: 'concurrency' };
    if (row.refused_by) return windowRefusal(row.refused_window! - 1, now, Number(row.refused_until));
    if (slot) this.held.add(slot.key, slot.id);
    return { admitted: true, charges: windows.map((w, j) => ({ charge: { key: w.key, windowStart: Number(row.window_start![j]) }, used: Number(row.used![j]) })) };
  }
}
