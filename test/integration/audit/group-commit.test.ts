import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import { listSegments, readSegmentLines } from '../../../gateway/audit/segment-files';
import { openAudit, tempDataDir } from '../../helpers/audit-log';

/** Bytes of records in a segment: up to its first NUL (the active segment is preallocated with zeros). */
function writtenBytes(path: string): number {
  const buf = readFileSync(path);
  const nul = buf.indexOf(0);
  return nul === -1 ? buf.length : nul;
}

describe('audit writer: group commit', () => {
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  beforeEach(async () => (env = await tempDataDir()));
  afterEach(() => env.cleanup());

  it('1000 concurrent appends share far fewer fdatasyncs, are all durable and chained', async () => {
    const audit = await openAudit(env.dataDir, { checkpointEveryRecords: 100_000 });
    const before = { ...audit.writer.stats };
    const records = await Promise.all(Array.from({ length: 1000 }, (_, i) => audit.append({ kind: 'arrival', requestId: `r${i}` })));
    const syncs = audit.writer.stats.syncs - before.syncs;
    const batches = audit.writer.stats.batches - before.batches;
    assert.ok(syncs >= 1 && syncs <= 10, `expected ≤10 fdatasyncs for 1000 appends, got ${syncs}`);
    assert.equal(syncs, batches);
    // Resolved in append order with consecutive seqs.
    for (let i = 1; i < records.length; i++) assert.equal(records[i].seq, records[i - 1].seq + 1);
    // Every resolved record is on disk before close (durable means written, not buffered).
    const onDisk = new Set<string>();
    for (const seg of await listSegments(env.auditDir)) for await (const l of readSegmentLines(seg.path)) onDisk.add(JSON.parse(l.text).id);
    for (const r of records) assert.ok(onDisk.has(r.id), `record ${r.seq} not on disk`);
    await audit.close();
    const report = await verifyAuditDir(env.auditDir);
    assert.deepEqual(report.findings, []);
    assert.equal(report.records.valid, 1000 + 2);
  });

  it('appends arriving while a sync is in flight go out together in the next batch', async () => {
    const audit = await openAudit(env.dataDir, { checkpointEveryRecords: 100_000 });
    const base = audit.writer.stats.syncs;
    const first = audit.append({ kind: 'note' });
    // Issued on later turns of the event loop, while the first batch is being synced.
    const later: Promise<unknown>[] = [];
    await new Promise<void>((resolve) => setImmediate(() => {
      for (let i = 0; i < 200; i++) later.push(audit.append({ kind: 'note' }));
      resolve();
    }));
    await Promise.all([first, ...later]);
    assert.ok(audit.writer.stats.syncs - base <= 3, `syncs ${audit.writer.stats.syncs - base}`);
    await audit.close();
  });

  it('writes a batch before its sync starts, and a record appended meanwhile on the very next turn', async () => {
    const audit = await openAudit(env.dataDir, { checkpointEveryRecords: 100_000 });
    const segments = await listSegments(env.auditDir);
    const segment = segments[segments.length - 1].path;
    const first = audit.append({ kind: 'note', details: { n: 'first', padding: 'x'.repeat(1_000_000) } });
    // Runs right after the writer's flush of `first` (queued before it, same check phase): that
    // fdatasync is still in flight, as pool results are only delivered in the poll phase.
    let sizeAfterFirst = 0;
    const second = await new Promise<Promise<unknown>>((resolve) => setImmediate(() => {
      sizeAfterFirst = writtenBytes(segment);
      assert.ok(sizeAfterFirst > 1_000_000, 'the first record is written before its sync');
      resolve(audit.append({ kind: 'note', details: { n: 'second' } }));
    }));
    // The next turn: the second record is written and its sync started, whether or not the first sync has returned.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.ok(writtenBytes(segment) > sizeAfterFirst, 'the second record waits for nothing');
    const [a, b] = (await Promise.all([first, second])) as { seq: number }[];
    assert.equal(b.seq, a.seq + 1);
    await audit.close();
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });

  it('closes each finished segment once its records are durable (no fd per rotation left open)', async () => {
    const audit = await openAudit(env.dataDir, { segmentMaxBytes: 2048, checkpointEveryRecords: 100_000 });
    const openFds = () => readdirSync('/proc/self/fd').length;
    const before = openFds();
    const note = () => audit.append({ kind: 'note', details: { padding: 'x'.repeat(600) } });
    for (let i = 0; i < 30; i++) await (i % 2 ? note() : Promise.all([note(), note(), note()]));
    assert.ok((await listSegments(env.auditDir)).length >= 20, 'the log rotated');
    assert.ok(openFds() - before <= 1, `${openFds() - before} more fds open after the rotations`);
    await audit.close();
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });
});
