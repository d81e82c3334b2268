import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import { openAudit, segmentLines, tempDataDir, writeLines, writeSampleLog } from '../../helpers/audit-log';

describe('audit writer: crash recovery', () => {
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  beforeEach(async () => (env = await tempDataDir()));
  afterEach(() => env.cleanup());

  it('cuts a torn last line at start, records what it dropped, and continues the chain', async () => {
    await writeSampleLog(env.dataDir, 25);
    const { path, lines } = await segmentLines(env.auditDir);
    const lastSeq = JSON.parse(lines[lines.length - 1]).seq as number;
    const torn = '{"id":"0192","seq":' + (lastSeq + 1) + ',"kind":"arri';
    await appendFile(path, torn);
    const before = await verifyAuditDir(env.auditDir);
    assert.deepEqual(before.findings.map((f) => f.kind), ['torn_line']);

    const audit = await openAudit(env.dataDir);
    const after = await audit.append({ kind: 'arrival', requestId: 'after-restart' });
    await audit.close();

    // The torn bytes are gone from the old segment...
    assert.ok(!(await readFile(path, 'utf8')).includes('"kind":"arri\n'));
    assert.ok((await readFile(path, 'utf8')).endsWith('\n'));
    // ...and a recovery record says what was dropped.
    const recovery = (await audit.query({ kind: 'recovery' }))[0];
    assert.ok(recovery, 'recovery record present');
    assert.equal(recovery.recovery!.droppedBytes, Buffer.byteLength(torn));
    assert.equal(recovery.recovery!.droppedSha256, createHash('sha256').update(torn).digest('hex'));
    assert.equal(recovery.recovery!.segment, path.split('/').pop());
    // The chain continues across the restart: seq follows the last intact record.
    assert.ok(after.seq > lastSeq);
    const report = await verifyAuditDir(env.auditDir);
    assert.deepEqual(report.findings, []);
    assert.equal(report.lastSeq, after.seq + 1); // + the closing checkpoint
  });

  it('continues seq across clean restarts without a recovery record', async () => {
    await writeSampleLog(env.dataDir, 5);
    const audit = await openAudit(env.dataDir);
    const r = await audit.append({ kind: 'note' });
    assert.equal((await audit.query({ kind: 'recovery' })).length, 0);
    await audit.close();
    assert.ok(r.seq > 5);
    assert.deepEqual((await verifyAuditDir(env.auditDir)).findings, []);
  });

  it('refuses to continue a chain whose last record has a hash that is not a SHA-256 (the next prev would not be one)', async () => {
    await writeSampleLog(env.dataDir, 5);
    const { path, lines } = await segmentLines(env.auditDir);
    const last = JSON.parse(lines[lines.length - 1]) as { hash: string };
    lines[lines.length - 1] = lines[lines.length - 1]!.replace(`"hash":"${last.hash}"`, '"hash":"abc"');
    await writeLines(path, lines);
    await assert.rejects(openAudit(env.dataDir), /audit log tail of .* is not a record/);
  });
});
