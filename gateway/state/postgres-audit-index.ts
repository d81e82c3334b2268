import { hostname } from 'node:os';
import { appendedEvent } from '../audit/appended-event';
import type { AuditQuery } from '../audit/record-index';
import type { SinkTransport } from '../audit/sinks/sink-runner';
import { GatehouseError } from '../errors';
import type { AuditRecord } from '../generated/audit-record';
import type { AuditService } from '../runtime';
import type { EventNotices } from './postgres-event-fanout';
import type { PostgresState } from './postgres-state';

/** The columns of one index entry, in insert order, with their types. */
const columns = [['chain', 'text'], ['seq', 'bigint'], ['id', 'text'], ['time', 'text'], ['kind', 'text'], ['prev', 'text'], ['hash', 'text'], ['request_id', 'text'],
  ['issuer', 'text'], ['principal', 'text'], ['client_id', 'text'], ['decision', 'text'], ['rule', 'text'], ['model', 'text'], ['status', 'integer'], ['error_code', 'text']] as const;

/**
 * A batch's entries as one array per column ($1…$16): the same text for every batch size, so each
 * connection prepares it once. A VALUES list of a placeholder per field was a new text per size,
 * parsed and planned for every batch: PostgreSQL spent as long planning it as running it.
 */
const insertEntries = `INSERT INTO audit_index (${columns.map(([name]) => name).join(', ')})
  SELECT * FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
  ON CONFLICT (chain, seq) DO NOTHING`;

/**
 * The insert that also announces the live records it inserted (see postgresIndexSink): one
 * notification per chunk, in chunk order, each with its records in chain order, sent on commit.
 * $17 channel, $18 prefix, $19 suffix; the live records' $20 chains, $21 seqs, $22 chunks, $23 events.
 */
const insertAndAnnounce = `WITH inserted AS (${insertEntries} RETURNING chain, seq)
  SELECT pg_notify($17, payload) FROM (
    SELECT e.chunk, $18 || string_agg(e.event, ',' ORDER BY e.seq) || $19 AS payload
    FROM unnest($20::text[], $21::bigint[], $22::int[], $23::text[]) AS e (chain, seq, chunk, event)
    JOIN inserted USING (chain, seq)
    WHERE e.chunk >= 0
    GROUP BY e.chunk ORDER BY e.chunk
  ) AS n`;

interface IndexRow {
  chain: string;
  seq: string;
  id: string;
  time: string;
  kind: string;
  prev: string;
  hash: string;
  request_id: string | null;
  issuer: string | null;
  principal: string | null;
  client_id: string | null;
  decision: NonNullable<AuditRecord['decision']>['action'] | null;
  rule: string | null;
  model: string | null;
  status: number | null;
  error_code: string | null;
}

function entryOf(r: AuditRecord): unknown[] {
  return [r.chain, r.seq, r.id, r.time, r.kind, r.prev, r.hash, r.requestId ?? null, r.principal?.issuer ?? null, r.principal?.subject ?? null,
    r.principal?.clientId ?? null, r.decision?.action ?? null, r.decision?.rule ?? null, r.model ?? null, r.status ?? null, r.errorCode ?? null];
}

/** An index entry as the admin API answers it: a record with the indexed fields only (no bodies). */
function recordOf(row: IndexRow): AuditRecord {
  return {
    id: row.id, seq: Number(row.seq), prev: row.prev, hash: row.hash, time: row.time, kind: row.kind, chain: row.chain,
    ...(row.request_id !== null ? { requestId: row.request_id } : {}),
    ...(row.principal !== null ? { principal: { issuer: row.issuer ?? '', subject: row.principal, ...(row.client_id !== null ? { clientId: row.client_id } : {}) } } : {}),
    ...(row.decision !== null ? { decision: { action: row.decision, rule: row.rule ?? '' } } : {}),
    ...(row.model !== null ? { model: row.model } : {}),
    ...(row.status !== null ? { status: row.status } : {}),
    ...(row.error_code !== null ? { errorCode: row.error_code } : {}),
  };
}

/**
 * The index's sink delivers at most once per this many ms: one statement per period for the
 * records of every request in it, so a request that needs no shared state costs PostgreSQL next
 * to nothing under load. The fleet's audit view and the other instances' events lag by as much.
 */
export const indexCadenceMs = 250;

/** A record older than this when it reaches the index (a catch-up after an outage) is indexed but not announced as live. */
const liveMs = 10_000;

/**
 * Feeds this instance's chain into the fleet's index: the audit service runs it like a sink (from
 * a persisted cursor, at least once, retried with backoff while PostgreSQL is down); the unique
 * (chain, seq) makes a batch sent twice add nothing. The chain's location is registered with it.
 *
 * With `notices` (the fan-out's `carry('audit.appended')`), the same statement announces the
 * batch's records to the other instances: one notification per batch (per 8 kB of events) rather
 * than a NOTIFY per record, sent on commit, for the rows it inserted only (a batch sent again
 * announces nothing twice) and only for live records (the alert windows count events as they
 * arrive, so an outage's backlog is not replayed as a burst).
 */
export function postgresIndexSink(pg: PostgresState, instance: { id: string; name: string }, auditDir: string, notices?: EventNotices): SinkTransport {
  let registered = '';
  return {
    async deliver(records) {
      const chain = records[0]?.chain;
      if (chain && registered !== chain) {
        await pg.query(`INSERT INTO audit_chains (chain, instance, instance_name, host, audit_dir) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (chain) DO UPDATE SET instance = EXCLUDED.instance, instance_name = EXCLUDED.instance_name, host = EXCLUDED.host, audit_dir = EXCLUDED.audit_dir, updated_at = now()`,
        [chain, instance.id, instance.name, hostname(), auditDir]);
        registered = chain;
      }
      const entries = records.map(entryOf);
      const values: unknown[] = columns.map((_, c) => entries.map((entry) => entry[c]));
      const live = notices ? records.filter((r) => Date.now() - Date.parse(r.time) < liveMs) : [];
      if (!notices || live.length === 0) {
        await pg.query(insertEntries, values, 'gatehouse-audit-index');
        return;
      }
      const jsons = live.map((r) => JSON.stringify({ name: 'audit.appended', payload: appendedEvent(r) }));
      await pg.query(insertAndAnnounce, [...values, notices.channel, notices.prefix, notices.suffix,
        live.map((r) => r.chain), live.map((r) => r.seq), notices.chunks(jsons), jsons], 'gatehouse-audit-index-announce');
    },
    async close() {},
  };
}

/** A chain of the fleet and where its files are. */
export interface FleetChain {
  chain: string;
  instance: string;
  instanceName: string;
  host: string;
  auditDir: string;
}

/** The chains the fleet's index knows, with where their files are; `query` runs one statement. */
export async function fleetChains(query: (text: string) => Promise<Record<string, unknown>[]>): Promise<FleetChain[]> {
  const rows = await query('SELECT chain, instance, instance_name, host, audit_dir FROM audit_chains ORDER BY instance_name, chain');
  return rows.map((r) => ({ chain: String(r.chain), instance: String(r.instance), instanceName: String(r.instance_name), host: String(r.host), auditDir: String(r.audit_dir) }));
}

/**
 * The admin API's audit view of a fleet: `GET /admin/audit` pages through every instance's index
 * entries (in the order they reached the index; `after` is a record id), `GET /admin/audit/{id}`
 * answers the whole record when this instance has it, else its index entry. Verify stays local.
 */
export function fleetAuditView(pg: PostgresState, local: Pick<AuditService, 'get' | 'verify'>): Pick<AuditService, 'query' | 'get' | 'verify'> {
  return {
    async query(q: AuditQuery) {
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        values.push(value);
        where.push(sql.replaceAll('?', `$${values.length}`));
      };
      if (q.principal !== undefined) add('(principal = ? OR client_id = ?)', q.principal);
      if (q.decision !== undefined) add('decision = ?', q.decision);
      if (q.model !== undefined) add('model = ?', q.model);
      if (q.kind !== undefined) add('kind = ?', q.kind);
      if (q.requestId !== undefined) add('request_id = ?', q.requestId);
      if (q.since !== undefined) add('time >= ?', q.since);
      const limit = Math.min(q.limit ?? 100, 1000);
      const cond = () => (where.length ? `WHERE ${where.join(' AND ')}` : '');
      if (q.after !== undefined) {
        if (!/^[0-9a-f-]{36}$/.test(String(q.after))) throw new GatehouseError(400, 'ERR_ADMIN_BAD_REQUEST', 'in a fleet (state.store: postgres), after is a record id (the previous page\'s last id).');
        add('position > coalesce((SELECT position FROM audit_index WHERE id = ? ORDER BY position LIMIT 1), 0)', String(q.after));
        const rows = await pg.query<IndexRow>(`SELECT * FROM audit_index ${cond()} ORDER BY position LIMIT ${limit}`, values);
        return rows.map(recordOf);
      }
      const rows = await pg.query<IndexRow>(`SELECT * FROM audit_index ${cond()} ORDER BY position DESC LIMIT ${limit}`, values);
      return rows.reverse().map(recordOf);
    },
    async get(id) {
      const own = await local.get(id);
      if (own) return own;
      const [row] = await pg.query<IndexRow>('SELECT * FROM audit_index WHERE id = $1 ORDER BY position LIMIT 1', [id]);
      return row ? recordOf(row) : undefined;
    },
    verify: () => local.verify(),
  };
}
