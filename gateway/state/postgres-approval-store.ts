import { randomUUID } from 'node:crypto';
import type { ApprovalState } from '../core/admin-api';
import type { ApprovalRecord } from '../core/approvals/approval-record';
import { applyApprovalEvent, type ApprovalEvent, type ApprovalStep } from '../core/approvals/approval-rules';
import type { ApprovalStore } from './approval-store';
import type { PostgresState } from './postgres-state';
import { PgListener } from './pg-listener';

type DecidedListener = (record: ApprovalRecord, failure?: Error) => void;

/**
 * Approvals in the fleet's PostgreSQL. `apply` reads the row, runs the core rules and writes the
 * result only if the revision is still the one it read (compare-and-set; on a lost race it reads
 * again and re-runs the rules), so of two decisions racing on two instances exactly one applies.
 * A decision reaches the holder through NOTIFY (`<schema>` decided channel): the payload names the
 * approval, the holder reads it. A notification sent while this instance's LISTEN connection was
 * down is lost, so after a reconnect the store reads the approvals it created that are settled
 * meanwhile and delivers them again (at least once, as the contract says). Settled approvals
 * past the newest `historySize` are swept.
 */
export class PostgresApprovalStore implements ApprovalStore {
  private readonly listeners = new Set<DecidedListener>();
  /** Tells this store's own notifications from the others'. */
  private readonly origin = randomUUID();
  private readonly channel: string;
  private stopListening: (() => void) | undefined;
  private stopCatchingUp: (() => void) | undefined;
  /** Approvals created here whose decision has not reached this instance yet. */
  private readonly undelivered = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;

  private constructor(private readonly pg: PostgresState, private readonly historySize: number) {
    this.channel = PgListener.channel(pg.schema, 'decided');
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), 60_000);
    this.sweeper.unref();
  }

  static async open(pg: PostgresState, listener: PgListener, historySize = 1000): Promise<PostgresApprovalStore> {
    const store = new PostgresApprovalStore(pg, historySize);
    store.stopListening = await listener.listen(store.channel, (payload) => void store.received(payload));
    store.stopCatchingUp = listener.onReconnect(() => void store.catchUp().catch(() => undefined));
    return store;
  }

  async create(record: ApprovalRecord): Promise<void> {
    await this.pg.query('INSERT INTO approvals (id, state, holder, revision, requested_at, record) VALUES ($1, $2, $3, $4, $5, $6)',
      [record.id, record.state, record.holder, record.revision, record.requestedAt, JSON.stringify(record)]);
    this.undelivered.add(record.id);
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const [row] = await this.pg.query<{ record: ApprovalRecord }>('SELECT record FROM approvals WHERE id = $1', [id]);
    return row?.record;
  }

  async list(state: ApprovalState | 'all'): Promise<ApprovalRecord[]> {
    const rows = state === 'all'
      ? await this.pg.query<{ record: ApprovalRecord }>('SELECT record FROM approvals ORDER BY requested_at, id')
      : await this.pg.query<{ record: ApprovalRecord }>('SELECT record FROM approvals WHERE state = $1 ORDER BY requested_at, id', [state]);
    return rows.map((r) => r.record);
  }

  async apply(id: string, event: ApprovalEvent): Promise<ApprovalStep> {
    for (;;) {
      const current = await this.get(id);
      if (!current) return { ok: false, refusal: { code: 'not_found' } };
      const step = applyApprovalEvent(current, event);
      if (!step.ok) return step;
      const next = step.record;
      const written = await this.pg.query(
        'UPDATE approvals SET state = $2, revision = $3, record = $4, settled_at = $5 WHERE id = $1 AND revision = $6 RETURNING 1',
        [id, next.state, next.revision, JSON.stringify(next), next.state === 'pending' ? null : Date.now(), current.revision],
      );
      if (written.length) return step;
      // Another instance changed it meanwhile: the rules run again on what it wrote.
    }
  }

  async abandonHeldBy(holder: string, at: number): Promise<ApprovalRecord[]> {
    const rows = await this.pg.query<{ id: string }>("SELECT id FROM approvals WHERE holder = $1 AND state = 'pending'", [holder]);
    const out: ApprovalRecord[] = [];
    for (const { id } of rows) {
      const step = await this.apply(id, { kind: 'abandon', at });
      if (step.ok) out.push(step.record);
    }
    return out;
  }

  async publishDecided(record: ApprovalRecord, failure?: Error): Promise<void> {
    this.undelivered.delete(record.id);
    for (const l of [...this.listeners]) l(structuredClone(record), failure);
    await this.pg.query('SELECT pg_notify($1, $2)', [this.channel, JSON.stringify({ origin: this.origin, id: record.id, ...(failure ? { failure: failure.message } : {}) })]);
  }

  onDecided(listener: DecidedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.stopListening?.();
    this.stopCatchingUp?.();
    this.listeners.clear();
  }

  private async received(payload: string): Promise<void> {
    let note: { origin: string; id: string; failure?: string };
    try {
      note = JSON.parse(payload);
    } catch {
      return;
    }
    if (note.origin === this.origin || !this.listeners.size) return;
    const record = await this.get(note.id).catch(() => undefined);
    if (!record) return;
    this.undelivered.delete(record.id);
    for (const l of [...this.listeners]) l(structuredClone(record), note.failure !== undefined ? new Error(note.failure) : undefined);
  }

  /** Delivers the decisions this instance may have missed while its LISTEN connection was down. */
  private async catchUp(): Promise<void> {
    if (!this.undelivered.size) return;
    const rows = await this.pg.query<{ record: ApprovalRecord }>("SELECT record FROM approvals WHERE id = ANY($1) AND state <> 'pending'", [[...this.undelivered]]);
    for (const { record } of rows) {
      if (!this.undelivered.delete(record.id)) continue;
      for (const l of [...this.listeners]) l(structuredClone(record));
    }
  }

  private async sweep(): Promise<void> {
    await this.pg.query(`DELETE FROM approvals WHERE state <> 'pending' AND settled_at < coalesce((SELECT settled_at FROM approvals WHERE state <> 'pending' ORDER BY settled_at DESC OFFSET $1 LIMIT 1), 0)`, [this.historySize]);
  }
}
