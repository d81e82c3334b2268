import type { Logger } from '../log';
import { counterKeyDigest, windowRefusal, type Admission, type AdmitResult, type CounterStore, type WindowCharge } from './counter-store';
import { HeldSlots } from './held-slots';
import { ArrayLiteral, integerArray, TextStatement, type TextRow } from './pg-text-statement';
import type { PostgresState } from './postgres-state';

/**
 * A row of admit_batch, its columns' text: i, refused_by ('window' | 'concurrency' | NULL),
 * refused_window, refused_until, window_start (bigint[]), used (bigint[]; row i = 0, the
 * settlements': NULL for a settlement whose window had ended).
 */
type AdmitRow = TextRow;

/** The statement, prepared once per connection. */
const admitStatement = {
  name: 'gatehouse-admit-settle',
  text: 'SELECT i, refused_by, refused_window, refused_until, window_start, used FROM admit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)',
};

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
  private inFlight = 0;
  /** Called when the statement in flight is answered (close() waits for it). */
  private answered: (() => void) | undefined;

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
   * CPU than the round trip (bench/README.md, "the floor of one round trip"). Sending a lone
   * admission at once, or at process.nextTick, saved no CPU measurably (bench/README.md, "The
   * lone caller, session 7").
   */
  private wake(): void {
    if (this.flushScheduled || this.inFlight >= maxInFlight || !this.pending()) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
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
    await this.allAnswered();
    if (this.pending()) {
      this.flush();
      await this.allAnswered();
    }
  }

  private async allAnswered(): Promise<void> {
    while (this.inFlight) await new Promise<void>((resolve) => (this.answered = resolve));
  }

  private pending(): boolean {
    return this.queue.length > 0 || this.releases.length > 0 || this.settlements.length > 0;
  }

  /**
   * Sends what is queued as one statement: every pending release and settlement, and at most maxBatch admissions
   * (the rest go with the next). Once it is answered, and before its admissions hear their answers,
   * what was queued meanwhile is scheduled to go.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.inFlight >= maxInFlight || !this.pending()) return;
    const releases = this.releases.splice(0);
    const settlements = this.settlements.splice(0);
    const batch = this.queue.splice(0, maxBatch);
    const refusal = this.pg.refusal();
    if (refusal) {
      this.fail(refusal, batch, releases.length, settlements);
      this.wake(); // more than one statement's admissions: the rest are refused too
      return;
    }
    this.inFlight++;
    this.pg.submit(new TextStatement(admitStatement.name, admitStatement.text, admitValues(releases, settlements, batch), (err, rows) => {
      this.inFlight--;
      this.answered?.();
      // Scheduled before the admissions answered here resume, so the releases they make go with it.
      this.wake();
      if (err) {
        this.fail(this.pg.failed(err), batch, releases.length, settlements);
        return;
      }
      this.resolve(rows, batch, settlements);
    }));
  }

  /** Each admission and settlement from its row, straight from the answer (no row objects). */
  private resolve(rows: AdmitRow[], batch: Queued[], settlements: QueuedSettlement[]): void {
    for (const row of rows) {
      const i = Number(row[0]);
      if (i === 0) {
        // The settlements' counts after them, in order (NULL: that window had ended).
        const used = integerArray(row[5]!);
        for (let k = 0; k < settlements.length; k++) settlements[k]!.resolve(used[k] ?? undefined);
        continue;
      }
      const q = batch[i - 1]!;
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

  private fail(err: Error, batch: Queued[], releases: number, settlements: QueuedSettlement[]): void {
    if (releases) this.log.warn('counters: slots could not be given back; their leases will expire', { slots: releases, reason: err.message });
    for (const q of batch) q.reject(err);
    for (const t of settlements) t.reject(err);
  }

  private result({ now, slot, windows = [] }: Admission, row: AdmitRow): AdmitResult {
    const refusedBy = row[1];
    if (refusedBy === 'concurrency') return { admitted: false, refusedBy: 'concurrency' };
    if (refusedBy) return windowRefusal(Number(row[2]) - 1, now, Number(row[3]));
    if (slot) this.held.add(slot.key, slot.id);
    const starts = integerArray(row[4] ?? '{}');
    const used = integerArray(row[5] ?? '{}');
    return { admitted: true, charges: windows.map((w, j) => ({ charge: { key: w.key, windowStart: starts[j]! }, used: used[j]! })) };
  }
}

/** admit_batch's fifteen array parameters, as text, in one pass over what goes. */
function admitValues(releases: { rowKey: string; slot: string }[], settlements: QueuedSettlement[], batch: Queued[]): string[] {
  const releaseKeys = new ArrayLiteral();
  const releaseSlots = new ArrayLiteral();
  for (const r of releases) {
    releaseKeys.text(r.rowKey);
    releaseSlots.text(r.slot);
  }
  const settleKeys = new ArrayLiteral();
  const settleStarts = new ArrayLiteral();
  const settleDeltas = new ArrayLiteral();
  for (const t of settlements) {
    settleKeys.text(t.rowKey);
    settleStarts.number(t.windowStart);
    settleDeltas.number(t.delta);
  }
  const nows = new ArrayLiteral();
  const slotKeys = new ArrayLiteral();
  const slotIds = new ArrayLiteral();
  const slotLimits = new ArrayLiteral();
  const leaseMs = new ArrayLiteral();
  const windowCounts = new ArrayLiteral();
  const keys = new ArrayLiteral();
  const amounts = new ArrayLiteral();
  const limits = new ArrayLiteral();
  const windowMs = new ArrayLiteral();
  for (const { admission: { now, slot, windows = [] } } of batch) {
    nows.number(now);
    slotKeys.text(slot && counterKeyDigest(slot.key));
    slotIds.text(slot?.id);
    slotLimits.number(slot?.limit);
    leaseMs.number(slot?.leaseMs);
    windowCounts.number(windows.length);
    for (const w of windows) {
      keys.text(counterKeyDigest(w.key));
      amounts.number(w.amount);
      limits.number(w.limit);
      windowMs.number(w.ms);
    }
  }
  return [releaseKeys, releaseSlots, settleKeys, settleStarts, settleDeltas, nows, slotKeys, slotIds, slotLimits, leaseMs, windowCounts, keys, amounts, limits, windowMs].map(String);
}
