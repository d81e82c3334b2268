import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { listSegments, readSegmentLines } from '../../../gateway/audit/segment-files';
import { readFromCursor } from '../../../gateway/audit/sinks/log-reader';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { openAudit, runAuditCli, tempDataDir, until } from '../../helpers/audit-log';

const appender = resolve(__dirname, '../../helpers/audit-appender.ts');

/** Runs the appender child (optionally under a shell prefix such as a ulimit); resolves with its output once it exits or `killAfter` records are durable and it was SIGKILLed. */
async function runAppender(dataDir: string, o: { count?: number; killAfter?: number; shell?: string }): Promise<{ code: number | null; signal: NodeJS.Signals | null; acked: number[]; closed: boolean; stderr: string }> {
  const args = ['--import', 'tsx', appender, dataDir, ...(o.count === undefined ? [] : [String(o.count)])];
  const child = o.shell
    ? spawn('bash', ['-c', `${o.shell} && exec "$@"`, 'bash', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const acked: number[] = [];
  let closed = false;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = /^durable (\d+)$/.exec(line);
    if (m) acked.push(Number(m[1]));
    if (line === 'closed') closed = true;
    // Killed while its loops keep appending: writes are in flight.
    if (o.killAfter !== undefined && acked.length === o.killAfter) child.kill('SIGKILL');
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, acked, closed, stderr };
}

async function fileInfo(path: string): Promise<{ size: number; firstNul: number; lastByte: number }> {
  const buf = await readFile(path);
  return { size: buf.length, firstNul: buf.indexOf(0), lastByte: buf[buf.length - 1] ?? -1 };
}

/** Every segment is as plain appends leave it: no NULs, ends with a newline. */
async function assertAllCut(auditDir: string): Promise<void> {
  for (const seg of await listSegments(auditDir)) {
    const f = await fileInfo(seg.path);
    assert.equal(f.firstNul, -1, `${seg.name} has a NUL at ${f.firstNul} of ${f.size}`);
    assert.equal(f.lastByte, 10, `${seg.name} ends with a newline`);
  }
}

async function readRecords(auditDir: string): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (const seg of await listSegments(auditDir)) for await (const l of readSegmentLines(seg.path)) if (l.terminated) out.push(JSON.parse(l.text) as AuditRecord);
  return out;
}

async function writeAt(path: string, position: number, text: string): Promise<void> {
  const fh = await open(path, 'r+');
  await fh.write(text, position);
  await fh.close();
}

describe('audit writer: preallocated segments', function () {
  this.timeout(30_000);
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  beforeEach(async () => (env = await tempDataDir()));
  afterEach(() => env.cleanup());

  it('audit.preallocateSegments: false appends as plain writes: the live segment ends at its last record', async () => {
    const audit = await openAudit(env.dataDir, { preallocateSegments: false });
    for (let i = 0; i < 20; i++) await audit.append({ kind: 'arrival', requestId: `r${i}` });
    const seg = (await listSegments(env.auditDir)).at(-1)!;
    const live = await fileInfo(seg.path);
    assert.equal(live.size, audit.writer.durablePosition().size);
    assert.equal(live.firstNul, -1);
    assert.equal(live.lastByte, 10);
    await audit.close();
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });

  it('runs the active segment ahead in zeros; verify, tail, the index and a sink reader stop at its logical end; close cuts it', async () => {
    // No checkpoint may land between the reads below: neither by count nor by the time bound, however slow this machine is.
    const audit = await openAudit(env.dataDir, { recentRecords: 0, checkpointEveryRecords: 1000, checkpoint: { maxSeconds: 3600 } });
    for (let i = 0; i < 20; i++) await audit.append({ kind: 'arrival', requestId: `r${i}` });
    const pos = audit.writer.durablePosition();
    const seg = (await listSegments(env.auditDir)).at(-1)!;
    const live = await fileInfo(seg.path);
    assert.equal(live.firstNul, pos.size, 'the records end where the zeros start');
    assert.ok(live.size >= 1024 * 1024, `preallocated ahead (${live.size} bytes)`);
    assert.equal(live.lastByte, 0);

    // Readers without the writer's durable position (the CLI, another process) stop at the zeros.
    const report = await verifyAuditDir(env.auditDir);
    assert.deepEqual(report.findings, []);
    assert.equal(report.lastSeq, audit.writer.headSeq);
    const tail = await runAuditCli(['tail', '--dir', env.auditDir, '-n', '3', '--json']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.deepEqual(tail.stdout.trim().split('\n').map((l) => JSON.parse(l).requestId), ['r17', 'r18', 'r19']);
    // A sink reading a segment the writer has finished but not cut yet (its durable position is in a later one).
    const batch = await readFromCursor(env.auditDir, undefined, 1000, { segment: 'audit-99999999999999999999.jsonl', size: 0, seq: 0 });
    assert.equal(batch.records.filter((r) => r.kind === 'arrival').length, 20);
    assert.equal(batch.next.offset, pos.size);
    // The index, with nothing in memory, reads the file.
    assert.equal((await audit.query({ kind: 'arrival', limit: 1000 })).length, 20);

    await audit.close();
    await assertAllCut(env.auditDir);
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });

  it('cuts each finished segment back to its length when it rotates', async () => {
    // Age 0: every append starts a new segment, each preallocated.
    const audit = await openAudit(env.dataDir, { segmentMaxAgeSeconds: 0 });
    for (let i = 0; i < 5; i++) await audit.append({ kind: 'note', requestId: `n${i}` });
    const segments = await listSegments(env.auditDir);
    assert.ok(segments.length >= 5, `rotated (${segments.length} segments)`);
    // Finished segments are cut once their last sync returned (off the append path): wait for it.
    await until(async () => {
      for (const s of segments.slice(0, -1)) if ((await fileInfo(s.path)).firstNul !== -1) return false;
      return true;
    }, 5000, 'finished segments cut');
    for (const s of segments.slice(0, -1)) assert.equal((await fileInfo(s.path)).lastByte, 10);
    assert.equal((await fileInfo(segments.at(-1)!.path)).lastByte, 0, 'the active one is still preallocated');
    await audit.close();
    await assertAllCut(env.auditDir);
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });

  it('after kill -9 mid-write: the zero tail is cut at start, every acknowledged record is kept, the chain continues', async () => {
    const run = await runAppender(env.dataDir, { killAfter: 300 });
    assert.equal(run.signal, 'SIGKILL', run.stderr);
    const seg = (await listSegments(env.auditDir)).at(-1)!;
    const crashed = await fileInfo(seg.path);
    assert.equal(crashed.lastByte, 0, 'the crash left the zero tail');
    // Before any restart the log verifies up to its logical end.
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);

    const audit = await openAudit(env.dataDir);
    const after = await audit.append({ kind: 'note', requestId: 'after-restart' });
    assert.equal((await stat(seg.path)).size, crashed.firstNul, 'cut back to the logical end');
    assert.equal((await audit.query({ kind: 'recovery' })).length, 0, 'nothing was torn');
    await audit.close();

    await assertAllCut(env.auditDir);
    const records = await readRecords(env.auditDir);
    const seqs = new Set(records.map((r) => r.seq));
    assert.deepEqual(run.acked.filter((s) => !seqs.has(s)), [], 'acknowledged records missing');
    assert.ok(after.seq > Math.max(...run.acked));
    const report = await verifyAuditDir(env.auditDir);
    assert.deepEqual(report.findings, []);
    assert.equal(report.firstSeq, 1);
    assert.equal(report.records.valid, records.length);
  });

  it('a torn line and stray pages in the zero tail (a power loss) are named by verify, then cut and recorded as one recovery', async () => {
    await runAppender(env.dataDir, { killAfter: 100 });
    const seg = (await listSegments(env.auditDir)).at(-1)!;
    const end = (await fileInfo(seg.path)).firstNul;
    // The start of an unfinished batch, a zero page the crash lost, then a page of it that made it.
    const torn = '{"chain":"x","id":"torn","kind":"arri';
    const stray = '","seq":999}\n{"chain":"x","id":"stray"}\n';
    await writeAt(seg.path, end, torn);
    await writeAt(seg.path, end + 8192, stray);
    const dropped = (await readFile(seg.path)).subarray(end, end + 8192 + Buffer.byteLength(stray));

    const before = await verifyAuditDir(env.auditDir);
    assert.deepEqual(before.findings.map((f) => f.kind), ['torn_line']);

    const audit = await openAudit(env.dataDir);
    const recovery = (await audit.query({ kind: 'recovery' }))[0];
    assert.ok(recovery, 'recovery record present');
    assert.equal(recovery.recovery!.segment, seg.name);
    assert.equal(recovery.recovery!.offset, end);
    assert.equal(recovery.recovery!.droppedBytes, dropped.length);
    assert.equal(recovery.recovery!.droppedSha256, createHash('sha256').update(dropped).digest('hex'));
    assert.equal((await stat(seg.path)).size, end);
    await audit.close();
    await assertAllCut(env.auditDir);
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });

  it('falls back to plain appends when preallocation fails (a file size limit cuts the fill short)', async () => {
    // 600 KiB: the first 1 MiB fill is cut short (EFBIG); 100 records fit below the limit.
    const run = await runAppender(env.dataDir, { count: 100, shell: 'ulimit -f 600' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.closed);
    assert.equal(run.acked.length, 100);
    assert.match(run.stderr, /cannot preallocate the segment; appending without it/);
    await assertAllCut(env.auditDir);
    const records = await readRecords(env.auditDir);
    assert.equal(records.filter((r) => r.kind === 'arrival').length, 100);
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });
});
