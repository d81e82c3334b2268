import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Client } from 'pg';
import { stringify } from 'yaml';
import { ensureAdminToken } from '../../../gateway/admin/admin-token';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { PgListener } from '../../../gateway/state/pg-listener';
import { indexCadenceMs } from '../../../gateway/state/postgres-audit-index';
import { collectEvents, waitFor } from '../../builders/wait-for';
import { runCli } from '../../helpers/cli';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { fleetEnv, startFleet, type TestFleet } from '../../helpers/fleet';
import { startPostgres, type TestPostgres } from '../../helpers/postgres';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import type { AuditServiceImpl } from '../../../gateway/audit/audit-service';

const writerOf = (g: TestGateway) => (g.runtime.audit as AuditServiceImpl).writer;

/**
 * The fleet's audit: each instance keeps its own chain and feeds an index entry per record to
 * PostgreSQL from a cursor; /admin/audit on any instance pages through every instance's entries;
 * `gatehouse audit verify` checks several chains and reports per chain.
 */
describe('fleet audit: per-instance chains, one index in PostgreSQL', function () {
  this.timeout(90_000);
  let pg: TestPostgres;
  let upstream: FakeUpstream;
  let fleet: TestFleet;

  before(async () => {
    pg = await startPostgres();
    upstream = await new FakeUpstream().start();
    fleet = await startFleet(pg, { upstreams: [{ name: 'fake', url: upstream.url }] }, { instances: 2 });
  });
  after(async () => {
    await fleet?.close();
    await upstream?.stop();
    await pg?.stop();
  });

  const chat = (sub: string) => new OpenAI({ baseURL: `${fleet.lb.url}/v1`, apiKey: fleet.token(sub), maxRetries: 0 })
    .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
  const admin = async (g: TestGateway, path: string) => {
    const res = await fetch(`${g.adminUrl}${path}`, { headers: { authorization: `Bearer ${ensureAdminToken(g.dataDir)}` } });
    return { status: res.status, body: (await res.json()) as { data: AuditRecord[] } & AuditRecord & { error?: { code: string } } };
  };
  /** Seqs the index holds per chain. */
  const indexed = async () => {
    const rows = await pg.sql<{ chain: string; seqs: string[] }>(`SELECT chain, array_agg(seq ORDER BY seq) AS seqs FROM ${fleet.schema}.audit_index GROUP BY chain`);
    return new Map(rows.map((r) => [r.chain, r.seqs.map(Number)]));
  };
  /** Waits until the index holds every durable record of every instance's chain. */
  async function indexCaughtUp(): Promise<Map<string, number[]>> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const have = await indexed();
      const heads = fleet.gateways.map((g) => ({ chain: writerOf(g).chain, seq: writerOf(g).durablePosition().seq }));
      if (heads.every((h) => (have.get(h.chain)?.at(-1) ?? -1) >= h.seq)) return have;
      assert.ok(Date.now() < deadline, `the index did not catch up: ${JSON.stringify(heads)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('GET /admin/audit on any instance returns the records of every instance', async () => {
    for (let i = 0; i < 4; i++) await chat('auditor-test');
    await indexCaughtUp();
    for (const g of fleet.gateways) {
      const { status, body } = await admin(g, '/admin/audit?principal=auditor-test&limit=100');
      assert.equal(status, 200);
      const outcomes = body.data.filter((r) => r.kind === 'outcome');
      assert.equal(outcomes.length, 4);
      assert.equal(new Set(outcomes.map((r) => r.chain)).size, 2, 'records of both chains');
      assert.ok(outcomes.every((r) => r.principal?.subject === 'auditor-test' && r.status === 200 && r.decision?.action === 'allow'));
      assert.ok(outcomes.every((r) => r.requestBody === undefined), 'bodies stay in the chain files');
      // Paging: after a record id, in the order the index received them.
      const page = await admin(g, `/admin/audit?principal=auditor-test&limit=2&after=${body.data[0]!.id}`);
      assert.deepEqual(page.body.data.map((r) => r.id), body.data.slice(1, 3).map((r) => r.id));
    }
    const [a, b] = fleet.gateways as [TestGateway, TestGateway];
    const ofB = (await admin(a, '/admin/audit?principal=auditor-test&limit=100')).body.data.find((r) => r.chain === writerOf(b).chain && r.kind === 'outcome')!;
    const fromA = await admin(a, `/admin/audit/${ofB.id}`);
    assert.equal(fromA.status, 200);
    assert.equal(fromA.body.hash, ofB.hash, "another instance's record: its index entry");
    const fromB = await admin(b, `/admin/audit/${ofB.id}`);
    assert.ok(fromB.body.latencyMs !== undefined, 'its own record: whole');
  });

  it("an instance's records reach the others' admin events with their index entries: one statement and one notification per batch, not per record", async () => {
    await indexCaughtUp();
    const [a, b] = fleet.gateways as [TestGateway, TestGateway];
    const listener = new Client({ connectionString: pg.url });
    await listener.connect();
    const notifications: string[] = [];
    listener.on('notification', (n) => void (n.payload && notifications.push(n.payload)));
    await listener.query(`LISTEN "${PgListener.channel(fleet.schema, 'events')}"`);
    const ofA: string[] = [];
    const offA = a.runtime.events.onLocal('audit.appended', (e) => void ofA.push(e.id));
    const onB = collectEvents(b.runtime.events, ['audit.appended']);
    const from = writerOf(a).durablePosition().seq;
    const started = Date.now();
    try {
      const direct = new OpenAI({ baseURL: `${a.dataUrl}/v1`, apiKey: fleet.token('batched'), maxRetries: 0 });
      for (let i = 0; i < 30; i++) await direct.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
      // Batches: the first record's at once, then one per period, and the last one's after.
      const periods = Math.ceil((Date.now() - started) / indexCadenceMs) + 2;
      offA();
      await waitFor(() => ofA.every((id) => onB.list.some((e) => e.payload.id === id)), "every record of A's on B", 20_000);
      const last = ofA.at(-1)!;
      assert.equal((await admin(b, `/admin/audit/${last}`)).status, 200, 'the event arrives with its index entry');
      const seenOnB = onB.list.map((e) => e.payload.id).filter((id) => ofA.includes(id));
      assert.equal(seenOnB.length, ofA.length, 'each record once');
      assert.ok(ofA.length >= 60, `two records per request (${ofA.length})`);
      const [{ statements }] = await pg.sql<{ statements: string }>(`SELECT count(DISTINCT xmin::text) AS statements FROM ${fleet.schema}.audit_index WHERE chain = '${writerOf(a).chain}' AND seq > ${from}`);
      assert.ok(Number(statements) <= periods, `${ofA.length} records indexed by ${statements} statements (at most one per ${indexCadenceMs} ms period: ${periods})`);
      // A's announcements only: reading B's admin API writes admin records on B, which B announces too.
      const ofAIds = new Set(ofA);
      const fromA = notifications.filter((n) => ((JSON.parse(n) as { events?: { payload?: { id?: string } }[] }).events ?? []).some((e) => ofAIds.has(e.payload?.id ?? '')));
      assert.ok(fromA.length <= periods, `${ofA.length} records announced in ${fromA.length} notifications (at most ${periods})`);
    } finally {
      offA();
      onB.stop();
      await listener.end();
    }
  });

  it('an instance that stops cleanly first indexes the records its last period held back', async () => {
    const c = await startGateway(fleet.instanceConfig('gw-brief'), {});
    let closed = false;
    try {
      const direct = new OpenAI({ baseURL: `${c.dataUrl}/v1`, apiKey: fleet.token('brief'), maxRetries: 0 });
      for (let i = 0; i < 3; i++) await direct.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
      await c.close();
      closed = true;
      // Its last record is the closing checkpoint.
      const { chain, seq } = { chain: writerOf(c).chain, seq: writerOf(c).durablePosition().seq };
      const seqs = (await indexed()).get(chain) ?? [];
      assert.equal(seqs.at(-1), seq, 'the index has the chain up to its last durable record');
    } finally {
      if (!closed) await c.close();
      // The fleet's chains stay the two instances' for the tests after this one.
      await pg.sql(`DELETE FROM ${fleet.schema}.audit_chains WHERE chain = $1`, [writerOf(c).chain]);
    }
  });

  it('PostgreSQL down: requests that need no shared state flow, and the index catches up after, each record once', async () => {
    await indexCaughtUp();
    pg.pause();
    try {
      for (let i = 0; i < 4; i++) assert.equal((await chat('during-outage')).object, 'chat.completion');
    } finally {
      await pg.resume();
    }
    const have = await indexCaughtUp();
    for (const g of fleet.gateways) {
      const seqs = have.get(writerOf(g).chain)!;
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i), 'every record of the chain, once, no gap');
    }
    const during = (await admin(fleet.gateways[0]!, '/admin/audit?principal=during-outage')).body.data.filter((r) => r.kind === 'outcome');
    assert.equal(during.length, 4);
  });

  it('gatehouse audit verify checks several chains and reports per chain (--dir repeated, --fleet from PostgreSQL)', async () => {
    const dirs = fleet.gateways.map((g) => join(g.dataDir, 'audit'));
    const both = await runCli(['audit', 'verify', '--dir', dirs[0]!, '--dir', dirs[1]!]);
    assert.equal(both.code, 0, both.stdout + both.stderr);
    assert.match(both.stdout, /2 chains: 2 intact, 0 not/);
    for (const g of fleet.gateways) assert.match(both.stdout, new RegExp(`== chain ${writerOf(g).chain}: INTACT`));

    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-verify-'));
    try {
      const config = join(dir, 'gatehouse.yaml');
      writeFileSync(config, stringify({ masking: { hashKey: { env: fleetEnv.hashKey } }, state: { store: 'postgres', postgres: { url: { env: fleetEnv.pgUrl }, schema: fleet.schema } } }));
      const env = { [fleetEnv.pgUrl]: pg.url, [fleetEnv.hashKey]: 'x' };
      const listed = await runCli(['audit', 'verify', '--fleet', '--config', config, '--json'], { env });
      assert.equal(listed.code, 0, listed.stdout + listed.stderr);
      const report = JSON.parse(listed.stdout) as { chains: { chain: string; instance: string; intact: boolean }[] };
      assert.deepEqual(report.chains.map((c) => [c.chain, c.intact]).sort(), fleet.gateways.map((g) => [writerOf(g).chain, true]).sort());
      assert.match(report.chains[0]!.instance, /^gw-a \(/);
      // A chain this host cannot read is not a pass.
      const missing = await runCli(['audit', 'verify', '--fleet', '--config', config, '--dir', join(dir, 'nowhere')], { env });
      assert.equal(missing.code, 1);
      assert.match(missing.stdout, /NOT VERIFIED/);
      assert.match(missing.stdout, /3 chains: 2 intact, 1 not/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
