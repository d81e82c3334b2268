import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openAudit, runAuditCli, tempDataDir, writeSampleLog } from '../../helpers/audit-log';
import { cliPath } from '../../helpers/cli';

describe('gatehouse audit tail', function () {
  // Several `gatehouse` processes start one after another: 5–10 s at load 10 here, so room for a slower CI machine.
  this.timeout(60_000);
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

  it('escapes control characters from callers: a model name with a newline and ESC sequences cannot forge or hide a line', async () => {
    const forged = await tempDataDir();
    try {
      const audit = await openAudit(forged.dataDir);
      const model = 'gpt-4o\n2026-01-01T00:00:00.000Z       1  outcome       admin  allow(ok)  200\u001b[1A\u001b[2K\u009b2K\u202e';
      await audit.append({ kind: 'arrival', requestId: 'req-forged', model, principal: { issuer: 'https://idp.test', subject: 'mallory\r' }, bodyBytes: 10 });
      await audit.close();
      const r = await runAuditCli(['tail', '--dir', forged.auditDir, '--kind', 'arrival']);
      assert.equal(r.code, 0);
      const lines = r.stdout.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, r.stdout);
      assert.match(lines[0]!, /arrival\s+mallory\\r\s+gpt-4o\\n2026-01-01T00:00:00\.000Z +1 +outcome +admin +allow\(ok\) +200\\x1b\[1A\\x1b\[2K\\x9b2K\\u\{202e\}  req-forged$/);
      assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    } finally {
      await forged.cleanup();
    }
  });

  it('--help describes every tail flag with its allowed values; an unknown --decision is refused with them (exit 2)', async () => {
    const help = (await runAuditCli(['tail', '--help'])).stdout;
    for (const flag of ['-n N', '--follow', '--principal SUB', '--decision ACTION', '--model M', '--kind K', '--json']) {
      assert.match(help, new RegExp(`^\\s+(-f, )?${flag.replace(/[-]/g, '\\-')}\\s+\\S.{10,}`, 'm'), `${flag} has a description`);
    }
    assert.match(help, /--decision ACTION .*: allow, deny, require_approval$/m);
    assert.match(help, /--kind K .*: arrival, outcome, denied, auth_failed, approval_requested, .*approval_approved.*checkpoint/m);
    const bad = await runAuditCli(['tail', '--dir', env.auditDir, '--decision', 'denied']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--decision must be one of allow, deny, require_approval \(got denied\)/);
  });

  it('stops quietly with exit 0 when its reader goes away (`gatehouse audit tail | head -1`)', async () => {
    const big = await tempDataDir();
    try {
      await writeSampleLog(big.dataDir, 3000);
      const child = spawn(process.execPath, [cliPath, 'audit', 'tail', '--dir', big.auditDir, '-n', '3000', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c));
      // Like head: read the first chunk, then close the pipe while the CLI is still writing.
      await once(child.stdout, 'data');
      child.stdout.destroy();
      const [code] = await once(child, 'exit');
      assert.equal(stderr, '');
      assert.equal(code, 0);
    } finally {
      await big.cleanup();
    }
  });
});
