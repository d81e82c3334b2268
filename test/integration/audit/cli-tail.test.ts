import assert from 'node:assert/strict';
import { runAuditCli, tempDataDir, writeSampleLog } from '../../helpers/audit-log';

describe('gatehouse audit tail', () => {
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  before(async () => {
    env = await tempDataDir();
    await writeSampleLog(env.dataDir, 12);
  });
  after(() => env.cleanup());

  it('prints the last N matching records, as JSON with --json', async () => {
    const r = await runAuditCli(['tail', '--dir', env.auditDir, '--principal', 'svc-1', '--model', 'gpt-4o', '-n', '2', '--json']);
    assert.equal(r.code, 0);
    const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(recs.length, 2);
    for (const x of recs) {
      assert.equal(x.principal.subject, 'svc-1');
      assert.equal(x.model, 'gpt-4o');
    }
    assert.ok(recs[0].seq < recs[1].seq);
  });

  it('prints one readable line per record and rejects bad usage with exit 2', async () => {
    const r = await runAuditCli(['tail', '--dir', env.auditDir, '-n', '3', '--kind', 'arrival']);
    assert.equal(r.stdout.trim().split('\n').length, 3);
    assert.match(r.stdout, /arrival\s+svc-\d\s+\S*\s*gpt-4o/);
    assert.equal((await runAuditCli(['tail', '-n', 'x'])).code, 2);
    assert.equal((await runAuditCli(['frobnicate'])).code, 2);
    assert.match((await runAuditCli(['--help'])).stdout, /audit verify/);
  });
});
