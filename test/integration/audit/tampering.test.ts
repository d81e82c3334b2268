import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { appendFile, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listSegments } from '../../../gateway/audit/segment-files';
import { runAuditCli, segmentLines, tempDataDir, writeLines, writeSampleLog } from '../../helpers/audit-log';
import { sealLine } from '../../helpers/audit-line';

const execFileP = promisify(execFile);

type Rec = Record<string, any>;
const parse = (l: string): Rec => JSON.parse(l);

/** What an attacker who knows the algorithm (but not the key) can do: recompute every hash from line `from` on. */
function rehash(lines: string[], from: number): string[] {
  const out = lines.slice();
  for (let i = from; i < out.length; i++) {
    const r = parse(out[i]);
    if (i > 0) r.prev = parse(out[i - 1]).hash;
    const { hash: _h, ...rest } = r;
    out[i] = sealLine(rest);
  }
  return out;
}

/** Re-signs every checkpoint with another Ed25519 key (after rehash) and rehashes again. */
function resign(lines: string[]): string[] {
  const { privateKey } = generateKeyPairSync('ed25519');
  let out = lines.slice();
  for (let i = 0; i < out.length; i++) {
    const r = parse(out[i]);
    if (r.kind !== 'checkpoint') continue;
    const payload = { chain: r.chain, seq: r.seq - 1, head: r.prev, time: r.time };
    const input = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: r.checkpoint.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    r.checkpoint = { ...r.checkpoint, seq: payload.seq, head: payload.head, jws: `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}` };
    out[i] = JSON.stringify(r);
    out = rehash(out, i);
  }
  return out;
}

describe('audit verify: tampering is named and fails the check', function () {
  this.timeout(30_000);
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  let pristine: string[];
  let segPath: string;
  let keyCopy: string;
  let anchorCopy: string;

  beforeEach(async () => {
    env = await tempDataDir();
    await writeSampleLog(env.dataDir, 40);
    ({ path: segPath, lines: pristine } = await segmentLines(env.auditDir));
    // Outside copies, as a security team would keep them.
    keyCopy = join(env.dataDir, '..', `${env.dataDir.split('/').pop()}-keys.jwks.json`);
    anchorCopy = join(env.dataDir, '..', `${env.dataDir.split('/').pop()}-anchor.json`);
    await copyFile(join(env.auditDir, 'signing-keys.jwks.json'), keyCopy);
    await copyFile(join(env.auditDir, 'anchor.json'), anchorCopy);
  });
  afterEach(async () => {
    await env.cleanup();
    await rm(keyCopy, { force: true });
    await rm(anchorCopy, { force: true });
  });

  it('an untouched log verifies clean (exit 0)', async () => {
    assert.equal((await listSegments(env.auditDir)).length, 1);
    const r = await runAuditCli(['verify', '--dir', env.auditDir]);
    assert.equal(r.code, 0, r.stdout);
    assert.doesNotMatch(r.stdout, /INVALID/);
    assert.match(r.stdout, new RegExp(`^${pristine.length}/${pristine.length} records valid$`, 'm'));
    const checkpoints = pristine.filter((l) => parse(l).kind === 'checkpoint').length;
    assert.ok(checkpoints >= 5);
    assert.match(r.stdout, new RegExp(`^${checkpoints}/${checkpoints} checkpoints valid$`, 'm'));
  });

  const cases: { name: string; tamper: (lines: string[]) => Promise<string[] | void> | string[] | void; args?: () => string[]; expect: RegExp[] }[] = [
    {
      name: 'modify a field',
      tamper: (l) => { const r = parse(l[12]); r.model = 'gpt-5'; l[12] = JSON.stringify(r); return l; },
      expect: [/^INVALID: record modified: seq 13 id \S+ \(audit-\d+\.jsonl:13\): content does not match its hash/m],
    },
    {
      name: 'modify a field and re-hash that record',
      tamper: (l) => { const r = parse(l[12]); r.model = 'gpt-5'; l[12] = JSON.stringify(r); return rehash(l, 12).slice(0, 13).concat(l.slice(13)); },
      expect: [/^INVALID: chain broken: seq 14 .*prev does not match the hash of seq 13/m],
    },
    {
      name: 'insert a forged record',
      tamper: (l) => {
        const before = parse(l[20]);
        const forged: Rec = { ...parse(l[21]), id: 'forged', requestId: 'req-forged', seq: before.seq + 1, prev: before.hash };
        delete forged.hash;
        l.splice(21, 0, sealLine(forged));
        return l;
      },
      expect: [/^INVALID: record inserted: seq 22 id forged \(audit-\d+\.jsonl:22\)/m],
    },
    {
      name: 'delete a record',
      tamper: (l) => { l.splice(17, 1); return l; },
      expect: [/^INVALID: records deleted: seq 18 .*1 record missing before seq 19/m],
    },
    {
      name: 'reorder two records',
      tamper: (l) => { [l[25], l[26]] = [l[26], l[25]]; return l; },
      expect: [/^INVALID: record reordered: seq 26 .*found after seq 27/m],
    },
    {
      name: 'duplicate a record',
      tamper: (l) => { l.splice(31, 0, l[30]); return l; },
      expect: [/^INVALID: record duplicated: seq 31 .*the same record as seq 31 appears again/m],
    },
    {
      name: 'truncate the tail (caught by the anchor in the log dir)',
      tamper: (l) => l.slice(0, l.length - 6),
      expect: [/^INVALID: log truncated: seq \d+: the log ends at seq \d+ but the anchor attests seq \d+/m],
    },
    {
      name: 'truncate the tail and roll back the local anchor (caught by the outside anchor)',
      tamper: async (l) => {
        await rm(join(env.auditDir, 'anchor.json'));
        return l.slice(0, l.length - 6);
      },
      args: () => ['--anchor', anchorCopy],
      expect: [/^INVALID: log truncated: .*the anchor attests seq/m],
    },
    {
      name: 'replace the whole log (new chain, new key), outside anchor and key',
      tamper: async () => {
        const other = await tempDataDir();
        try {
          await writeSampleLog(other.dataDir, 60, { chainId: parse(pristine[0]).chain });
          return (await segmentLines(other.auditDir)).lines;
        } finally {
          await other.cleanup();
        }
      },
      args: () => ['--anchor', anchorCopy, '--key', keyCopy],
      expect: [/^INVALID: log replaced: seq \d+: the anchor attests hash \S+ for seq \d+ but the log has/m, /^INVALID: bad checkpoint signature: seq 1 /m],
    },
    {
      name: 're-sign checkpoints with another key after rewriting a record',
      tamper: (l) => { const r = parse(l[5]); r.model = 'gpt-5'; l[5] = JSON.stringify(r); return resign(rehash(l, 5)); },
      args: () => ['--key', keyCopy, '--anchor', anchorCopy],
      expect: [/^INVALID: bad checkpoint signature: seq \d+ .*signature does not verify/m, /^INVALID: log replaced/m],
    },
    {
      name: 'torn last line',
      tamper: async () => {
        await appendFile(segPath, '{"id":"half-writ');
      },
      expect: [/^INVALID: torn last line: \(audit-\d+\.jsonl:\d+\): incomplete last line \(16 bytes without a newline\)/m],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: named, exit 1`, async () => {
      const lines = await c.tamper(pristine.slice());
      if (lines) await writeLines(segPath, lines);
      const r = await runAuditCli(['verify', '--dir', env.auditDir, ...(c.args?.() ?? [])]);
      for (const re of c.expect) assert.match(r.stdout, re, r.stdout);
      // The tampering is written in the log's own line format: no line is refused for its form.
      assert.doesNotMatch(r.stdout, /^INVALID: malformed line/m, r.stdout);
      assert.equal(r.code, 1, r.stdout);
    });
  }

  it('runs as a child process with real exit codes and --json', async () => {
    const cli = ['--import', 'tsx', '-e', "import('./gateway/cli/audit.ts').then((m) => (m.run ?? m.default.run)(process.argv.slice(1))).then((c) => process.exit(c))"];
    const clean = await execFileP(process.execPath, [...cli, 'verify', '--dir', env.auditDir, '--json']);
    const report = JSON.parse(clean.stdout);
    assert.deepEqual(report.findings, []);
    assert.equal(report.records.valid, pristine.length);
    const r = parse(pristine[3]);
    r.bodyBytes = 1;
    pristine[3] = JSON.stringify(r);
    await writeFile(segPath, pristine.join('\n') + '\n');
    const bad = await execFileP(process.execPath, [...cli, 'verify', '--dir', env.auditDir]).then(() => ({ code: 0, stdout: '' }), (e) => e);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^INVALID: record modified: seq 4 /m);
    const usage = await execFileP(process.execPath, [...cli, 'verify', '--bogus']).then(() => ({ code: 0 }), (e) => e);
    assert.equal(usage.code, 2);
  });

  it('finds the log from --data-dir or from the data dir a --config names', async () => {
    const byDataDir = await runAuditCli(['verify', '--data-dir', env.dataDir]);
    assert.equal(byDataDir.code, 0, byDataDir.stdout + byDataDir.stderr);
    assert.match(byDataDir.stdout, new RegExp(`^${pristine.length}/${pristine.length} records valid$`, 'm'));
    const config = join(env.dataDir, '..', `${env.dataDir.split('/').pop()}.yaml`);
    await writeFile(config, `server:\n  dataDir: ${env.dataDir}\n`);
    try {
      const byConfig = await runAuditCli(['verify', '--config', config]);
      assert.equal(byConfig.code, 0, byConfig.stdout + byConfig.stderr);
      assert.equal(byConfig.stdout, byDataDir.stdout);
      await writeFile(config, 'server:\n  dataDirectory: x\n');
      const bad = await runAuditCli(['verify', '--config', config]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /invalid config:\n.*:2:3: error: \/server\/dataDirectory unknown property/);
    } finally {
      await rm(config, { force: true });
    }
  });

  it('a wrong path or an empty log never passes: exit 2 for no folder, 1 for no records', async () => {
    const missing = await runAuditCli(['verify', '--dir', join(env.dataDir, 'no-such-audit')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no audit log at .*no-such-audit/);
    assert.equal((await runAuditCli(['tail', '--data-dir', join(env.dataDir, 'nope')])).code, 2);
    const emptyDir = join(env.dataDir, 'empty-audit');
    await mkdir(emptyDir);
    const empty = await runAuditCli(['verify', '--dir', emptyDir]);
    assert.equal(empty.code, 1);
    assert.match(empty.stdout, /No records found/);
  });

  it('the report counts match the lines', async () => {
    const text = await readFile(segPath, 'utf8');
    assert.equal(text.split('\n').length - 1, pristine.length);
  });
});
