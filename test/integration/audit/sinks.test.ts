import assert from 'node:assert/strict';
import { utimes } from 'node:fs/promises';
import { createServer } from 'node:net';
import { listSegments } from '../../../gateway/audit/segment-files';
import type { AuditServiceImpl } from '../../../gateway/audit/audit-service';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import type { AuditSink } from '../../../gateway/generated/gatehouse.config';
import { HttpReceiver } from '../../helpers/http-receiver';
import { openAudit, tempDataDir, until } from '../../helpers/audit-log';
import { startRsyslog, type Rsyslog } from '../../helpers/rsyslog';

const fast = { backoffMinMs: 20, backoffMaxMs: 200, timeoutMs: 2000 };

async function allRecords(audit: AuditServiceImpl): Promise<AuditRecord[]> {
  return audit.query({ after: 0, limit: 1000 });
}

async function appendSome(audit: AuditServiceImpl, n: number, tag: string): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => audit.append({ kind: 'arrival', requestId: `${tag}-${i}`, model: 'gpt-4o', principal: { issuer: 'https://idp', subject: 'ci-"deployer"]' } })));
}

describe('audit sinks', function () {
  this.timeout(30_000);
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  let audit: AuditServiceImpl | undefined;
  beforeEach(async () => (env = await tempDataDir()));
  afterEach(async () => {
    await audit?.close();
    audit = undefined;
    await env.cleanup();
  });

  describe('syslog RFC 5424 into a real rsyslog', () => {
    let rsyslog: Rsyslog;
    before(async () => (rsyslog = await startRsyslog({ tls: true })));
    after(() => rsyslog?.stop());

    const rfc5424 = /^<(\d+)>1 (\S+) (\S+) (\S+) (\d+) (\S+) (\[gatehouse@32473 id="([^"]+)" seq="(\d+)" chain="[^"]+" kind="[^"]+"\]) (\{.*\})$/;

    for (const transport of ['tcp', 'tls'] as const) {
      it(`delivers every record over ${transport.toUpperCase()} with octet-counted framing`, async () => {
        const before = rsyslog.messages().length;
        const sink: AuditSink = transport === 'tcp'
          ? { type: 'syslog', name: 'rsyslog-tcp', host: '127.0.0.1', port: rsyslog.tcpPort, ...fast }
          : { type: 'syslog', name: 'rsyslog-tls', host: '127.0.0.1', port: rsyslog.tlsPort, tls: { ca: rsyslog.caFile!, servername: 'localhost' }, ...fast };
        audit = await openAudit(env.dataDir, { sinks: [sink], chainId: `chain-${transport}` });
        await appendSome(audit, 25, transport);
        const records = await allRecords(audit);
        await until(() => rsyslog.messages().length - before >= records.length, 10_000, 'rsyslog received all records');
        const got = rsyslog.messages().slice(before).filter((m) => m.includes(`chain="chain-${transport}"`));
        assert.equal(got.length, records.length);
        const byId = new Map(records.map((r) => [r.id, r]));
        for (const line of got) {
          const m = rfc5424.exec(line);
          assert.ok(m, `not RFC 5424 as rsyslog parsed it: ${line.slice(0, 200)}`);
          const [, pri, , , app, , msgid, , id, seq, msg] = m;
          const record = byId.get(id)!;
          assert.ok(record, `unknown id ${id}`);
          assert.equal(Number(seq), record.seq);
          assert.equal(msgid, record.kind);
          assert.equal(app, 'gatehouse');
          assert.equal(Number(pri), 16 * 8 + 6); // local0.info
          assert.equal(JSON.parse(msg).hash, record.hash);
        }
        assert.equal(audit.lag()[sink.name], 0);
      });
    }
  });

  it('syslog: what a collector lost when its connection broke is sent again on the next one', async () => {
    // A collector that takes the first connection's bytes and then dies with them (as one that
    // crashes with its buffers would), then keeps everything on later connections. rsyslog
    // cannot be made to lose data on cue, so this one is a plain TCP server of the test's.
    const kept = new Set<string>();
    let connections = 0;
    let firstGone!: () => void;
    const firstLost = new Promise<void>((resolve) => (firstGone = resolve));
    const collector = createServer((socket) => {
      const n = ++connections;
      if (n === 1) {
        socket.once('data', () => {
          socket.destroy();
          firstGone();
        });
        return;
      }
      let buffer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        for (const m of buffer.matchAll(/id="([^"]+)"/g)) kept.add(m[1]);
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const port = (collector.address() as { port: number }).port;
      audit = await openAudit(env.dataDir, { sinks: [{ type: 'syslog', name: 'collector', host: '127.0.0.1', port, ...fast }] });
      await appendSome(audit, 20, 'before');
      await firstLost;
      // Records keep coming until a delivery goes out on a new connection.
      await until(async () => {
        if (connections < 2) await audit!.append({ kind: 'note', details: { tick: Date.now() } });
        return connections >= 2;
      }, 10_000, 'a second connection');
      const all = await allRecords(audit);
      await until(() => all.every((r) => kept.has(r.id)), 10_000, 'every record on the second connection');
      const lostOnFirst = all.filter((r) => r.requestId?.startsWith('before-'));
      assert.equal(lostOnFirst.length, 20);
      for (const r of lostOnFirst) assert.ok(kept.has(r.id), `record ${r.seq} never reached the collector again`);
    } finally {
      await audit?.close();
      audit = undefined;
      await new Promise((resolve) => collector.close(resolve));
    }
  });

  it('http: a receiver that goes down and comes back (and a gateway restart meanwhile) gets every record exactly once after de-duplication', async () => {
    const receiver = await new HttpReceiver().start();
    const sink: AuditSink = { type: 'http', name: 'siem', url: `${receiver.url}/ingest`, batchSize: 7, ...fast };
    try {
      audit = await openAudit(env.dataDir, { sinks: [sink] });
      await appendSome(audit, 20, 'up');
      const ids = () => receiver.received.flatMap((r) => r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string));
      await until(async () => new Set(ids()).size === (await allRecords(audit!)).length, 10_000, 'first records delivered');

      await receiver.stop();
      await appendSome(audit, 30, 'down');
      const runner = audit.sinks[0];
      await until(() => runner.failures > 0 && audit!.lag().siem > 0, 10_000, 'sink falls behind');
      // The gateway restarts while the SIEM is down: the cursor survives.
      await audit.close();
      audit = await openAudit(env.dataDir, { sinks: [sink] });
      await appendSome(audit, 10, 'restarted');
      await until(() => audit!.sinks[0].failures > 0, 10_000, 'still failing after restart');

      await receiver.start(); // same port
      const all = await allRecords(audit);
      await until(() => new Set(ids()).size >= all.length && audit!.lag().siem === 0, 15_000, 'caught up');
      const got = ids();
      assert.deepEqual([...new Set(got)].sort(), all.map((r) => r.id).sort(), 'every record, and only those, after de-duplication');
      for (const r of receiver.received) {
        assert.equal(r.method, 'POST');
        assert.equal(r.url, '/ingest');
        assert.equal(r.headers['content-type'], 'application/x-ndjson');
        assert.ok(r.body.endsWith('\n'));
      }
    } finally {
      await receiver.stop();
    }
  });

  it('retention keeps expired segments a sink has not delivered, and removes them once it has', async () => {
    const receiver = await new HttpReceiver().start();
    await receiver.stop(); // the SIEM is down from the start; its port stays ours to come back on
    const sink: AuditSink = { type: 'http', name: 'siem', url: `${receiver.url}/ingest`, batchSize: 50, ...fast };
    try {
      audit = await openAudit(env.dataDir, { sinks: [sink], segmentMaxBytes: 1024, retentionDays: 1 });
      for (let i = 0; i < 15; i++) await audit.append({ kind: 'note', details: { pad: 'z'.repeat(600), i } });
      const segments = await listSegments(env.auditDir);
      assert.ok(segments.length >= 5);
      const old = (Date.now() - 3 * 86_400_000) / 1000;
      for (const seg of segments.slice(0, 3)) await utimes(seg.path, old, old);
      await until(() => audit!.sinks[0].failures > 0, 10_000, 'sink failing');
      assert.deepEqual(await audit.prune(), [], 'nothing the SIEM has not received is deleted');
      assert.equal((await listSegments(env.auditDir)).length, segments.length);

      await receiver.start();
      await until(() => audit!.lag().siem === 0, 15_000, 'caught up');
      assert.deepEqual(await audit.prune(), segments.slice(0, 3).map((seg) => seg.name));
    } finally {
      await receiver.stop();
    }
  });

  it('splunk-hec: POST /services/collector/event, Authorization: Splunk <token>, one event object per record', async () => {
    process.env.GATEHOUSE_TEST_HEC_TOKEN = 'hec-token-123';
    const receiver = await new HttpReceiver().start();
    receiver.respond = (_r, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    try {
      audit = await openAudit(env.dataDir, { chainId: 'gw-hec', sinks: [{ type: 'splunk-hec', name: 'splunk', url: receiver.url, token: { env: 'GATEHOUSE_TEST_HEC_TOKEN' }, index: 'audit', ...fast }] });
      await appendSome(audit, 5, 'hec');
      const all = await allRecords(audit);
      const events = () => receiver.received.flatMap((r) => r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
      await until(() => events().length >= all.length, 10_000, 'hec events');
      const r = receiver.received[0];
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/services/collector/event');
      assert.equal(r.headers.authorization, 'Splunk hec-token-123');
      assert.equal(r.headers['content-type'], 'application/json');
      const first = events()[0];
      assert.deepEqual(Object.keys(first).sort(), ['event', 'host', 'index', 'source', 'sourcetype', 'time']);
      assert.equal(first.host, 'gw-hec');
      assert.equal(first.source, 'gatehouse');
      assert.equal(first.sourcetype, 'gatehouse:audit');
      assert.equal(first.index, 'audit');
      assert.deepEqual(first.event, all[0]);
      assert.equal(first.time, Date.parse(all[0].time) / 1000);
    } finally {
      await receiver.stop();
    }
  });

  it('elasticsearch: _bulk index actions with _id = record id; a failed item retries the batch', async () => {
    const receiver = await new HttpReceiver().start();
    let calls = 0;
    receiver.respond = (req, res) => {
      const lines = req.body.split('\n').filter(Boolean);
      const items = [];
      for (let i = 0; i < lines.length; i += 2) items.push({ index: { _id: JSON.parse(lines[i]).index._id, status: calls === 0 && i === 0 ? 429 : 201 } });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 1, errors: calls++ === 0, items }));
    };
    try {
      audit = await openAudit(env.dataDir, { sinks: [{ type: 'elasticsearch', name: 'es', url: receiver.url, index: 'gh-audit', ...fast }] });
      await appendSome(audit, 4, 'es');
      const all = await allRecords(audit);
      await until(() => audit!.lag().es === 0 && receiver.received.length >= 2, 10_000, 'bulk delivered');
      assert.ok(receiver.received[1].body.startsWith(receiver.received[0].body), 'the failed batch is re-sent from the same cursor');
      const r = receiver.received.at(-1)!;
      assert.equal(r.url, '/_bulk');
      assert.equal(r.headers['content-type'], 'application/x-ndjson');
      const lines = r.body.split('\n');
      assert.equal(lines.pop(), '', 'bulk body ends with a newline');
      const delivered = new Set<string>();
      for (const req of receiver.received.slice(1)) {
        const l = req.body.split('\n').filter(Boolean);
        for (let i = 0; i < l.length; i += 2) {
          const action = JSON.parse(l[i]);
          const doc = JSON.parse(l[i + 1]);
          assert.deepEqual(action, { index: { _index: 'gh-audit', _id: doc.id } });
          delivered.add(doc.id);
        }
      }
      assert.deepEqual([...delivered].sort(), all.map((x) => x.id).sort());
    } finally {
      await receiver.stop();
    }
  });
});
