import assert from 'node:assert/strict';
import { Client, type Notification } from 'pg';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { silentLogger } from '../../../gateway/log';
import { postgresIndexSink } from '../../../gateway/state/postgres-audit-index';
import type { EventNotices } from '../../../gateway/state/postgres-event-fanout';
import { PostgresState } from '../../../gateway/state/postgres-state';
import { waitFor } from '../../builders/wait-for';
import { usePostgres } from '../../helpers/postgres';

describe('state/postgres-audit-index (the fleet index sink, real PostgreSQL)', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let state: PostgresState;
  let schema: string;
  /** The sink's statements as sent: text and prepared-statement name. */
  let sent: { text: string; name?: string }[];

  beforeEach(async () => {
    const settings = await pg().migratedSchema();
    schema = settings.schema;
    state = await PostgresState.open(settings, silentLogger);
    sent = [];
    const query = state.query.bind(state);
    state.query = ((text, values, name) => (sent.push({ text, name }), query(text, values, name))) as typeof state.query;
  });
  afterEach(async () => state.close());

  let seq = 0;
  const record = (fields: Partial<AuditRecord> = {}): AuditRecord => {
    seq++;
    return { id: `rec-${seq}`, seq, prev: '0'.repeat(64), hash: seq.toString(16).padStart(64, '0'), time: new Date().toISOString(), kind: 'outcome', chain: 'chain-a', ...fields };
  };
  /** The sink's deliver (the index reads the records, not their lines). */
  const deliver = (sink: ReturnType<typeof postgresIndexSink>, records: AuditRecord[]) => sink.deliver(records, records.map((r) => JSON.stringify(r)));
  const inserts = () => sent.filter((s) => s.text.includes('INSERT INTO audit_index'));

  it('sends batches of every size as one prepared statement (one text: not parsed and planned per batch)', async () => {
    const sink = postgresIndexSink(state, { id: 'inst-a', name: 'gw-a' }, '/var/audit');
    const full = record({ requestId: 'req-1', principal: { issuer: 'https://issuer.test', subject: 'alice', clientId: 'cli' }, decision: { action: 'allow', rule: 'r1' }, model: 'gpt-4o-mini', status: 200 });
    const bare = record({ kind: 'start' });
    await deliver(sink, [full]);
    await deliver(sink, [bare, record(), record()]);
    await deliver(sink, Array.from({ length: 7 }, () => record({ errorCode: 'ERR_X_Y', status: 429 })));
    assert.equal(inserts().length, 3);
    assert.equal(new Set(inserts().map((s) => s.text)).size, 1, 'batches of 1, 3 and 7 records: one statement text');
    assert.ok(inserts().every((s) => s.name), 'a named (prepared) statement');

    const rows = await pg().sql<Record<string, unknown>>(`SELECT * FROM ${schema}.audit_index ORDER BY seq`);
    assert.equal(rows.length, 11);
    assert.deepEqual(
      { ...rows[0], position: undefined },
      { position: undefined, chain: 'chain-a', seq: String(full.seq), id: full.id, time: full.time, kind: 'outcome', prev: full.prev, hash: full.hash, request_id: 'req-1',
        issuer: 'https://issuer.test', principal: 'alice', client_id: 'cli', decision: 'allow', rule: 'r1', model: 'gpt-4o-mini', status: 200, error_code: null },
    );
    assert.deepEqual([rows[1]!.kind, rows[1]!.request_id, rows[1]!.principal, rows[1]!.status], ['start', null, null, null]);
    assert.deepEqual([rows[10]!.status, rows[10]!.error_code], [429, 'ERR_X_Y']);

    await deliver(sink, [full, bare]);
    const [{ n }] = await pg().sql<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.audit_index`);
    assert.equal(Number(n), 11, 'a batch sent again adds nothing');
  });

  it('announces the live records it inserted, in chain order, from the same prepared statement', async () => {
    const listener = new Client({ connectionString: pg().url });
    await listener.connect();
    const heard: Notification[] = [];
    listener.on('notification', (m) => heard.push(m));
    const channel = `${schema}_events`;
    await listener.query(`LISTEN ${channel}`);
    try {
      const notices: EventNotices = { channel, prefix: '{"events":[', suffix: ']}', chunks: (jsons) => jsons.map(() => 0) };
      const sink = postgresIndexSink(state, { id: 'inst-a', name: 'gw-a' }, '/var/audit', notices);
      const old = record({ time: new Date(Date.now() - 60_000).toISOString() });
      const live = [record(), record()];
      await deliver(sink, [old, ...live]);
      await deliver(sink, [old, ...live]); // sent again: nothing inserted, nothing announced
      const next = record();
      await deliver(sink, [next]);
      await waitFor(() => heard.length >= 2, 'two notifications');
      const ids = heard.map((m) => (JSON.parse(m.payload!) as { events: { payload: { id: string } }[] }).events.map((e) => e.payload.id));
      assert.deepEqual(ids, [live.map((r) => r.id), [next.id]], 'the old record is indexed, not announced; the batch sent again announces nothing');
      assert.equal(new Set(inserts().map((s) => s.text)).size, 1);
      assert.ok(inserts().every((s) => s.name));
      const [{ n }] = await pg().sql<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.audit_index`);
      assert.equal(Number(n), 4);
    } finally {
      await listener.end();
    }
  });
});
