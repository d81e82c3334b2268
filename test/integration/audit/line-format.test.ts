import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyProofDocument } from '../../../gateway/core/audit/proof';
import { listSegments } from '../../../gateway/audit/segment-files';
import { openAudit, runAuditCli, segmentLines, tempDataDir, writeLines } from '../../helpers/audit-log';

type Rec = Record<string, any>;
const fixture = join(__dirname, '../../fixtures/audit-v1');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A format 2 line whose record part is `part` (bytes as given), hashed as docs/audit-log-format.md says. */
function sealPart(part: string): string {
  return `${part.slice(0, -1)},"hash":"${sha256(JSON.parse(part).prev + part)}"}`;
}
/** The record part of a format 2 line: everything before the hash member, closed. */
const partOf = (line: string) => line.slice(0, -75) + '}';

describe('audit line formats: format 2 hashes the record bytes as written, format 1 logs still verify', function () {
  this.timeout(60_000);
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  beforeEach(async () => {
    env = await tempDataDir();
  });
  afterEach(async () => env.cleanup());

  describe('format 1: a log written by an older gateway (test/fixtures/audit-v1)', () => {
    let dir: string;
    let keys: string;
    let first: string;
    beforeEach(async () => {
      dir = join(env.dataDir, 'audit');
      await cp(fixture, dir, { recursive: true });
      keys = join(dir, 'signing-keys.jwks.json');
      first = (await listSegments(dir))[0].path;
    });

    it('verifies clean: every record, checkpoint and Merkle root, against its anchor', async () => {
      const r = await runAuditCli(['verify', '--dir', dir, '--key', keys]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /^40\/40 records valid$/m);
      assert.match(r.stdout, /^10\/10 checkpoints valid$/m);
      assert.match(r.stdout, /^Merkle roots: 10 signed roots recomputed from the records\.$/m);
    });

    it('its records are provable: inclusion and consistency proofs verify with the public key alone', async () => {
      const lines = (await readFile(first, 'utf8')).trimEnd().split('\n');
      const rec = JSON.parse(lines[1]) as Rec;
      assert.equal(rec.v, undefined, 'a format 1 line has no v');
      const jwks = JSON.parse(await readFile(keys, 'utf8'));
      for (const args of [['--id', rec.id], ['--from', '9', '--to', '36']]) {
        const proof = await runAuditCli(['prove', ...args, '--dir', dir]);
        assert.equal(proof.code, 0, proof.stderr);
        const doc = JSON.parse(proof.stdout);
        if (doc.type === 'inclusion') assert.equal(doc.record, lines[1]);
        const check = await verifyProofDocument(doc, jwks);
        assert.equal(check.ok, true, JSON.stringify(check));
      }
    });

    // Changes the parser cannot see but another reader can: the old verifier re-canonicalized the parsed record and so passed them.
    const unseen: { name: string; change: (line: Buffer) => Buffer; expect: RegExp }[] = [
      {
        name: 'a repeated member, the forged value first and the hashed one last (a first-wins reader sees the forgery)',
        change: (l) => Buffer.from(l.toString('utf8').replace('{"bodyBytes":100,', '{"bodyBytes":100,"model":"gpt-5",')),
        expect: /^INVALID: record in the wrong form: seq 2 .*line format 1: the line is not the canonical JSON it was hashed as/m,
      },
      {
        name: 'whitespace between members',
        change: (l) => Buffer.from(l.toString('utf8').replace('"kind":"arrival"', '"kind": "arrival"')),
        expect: /^INVALID: record in the wrong form: seq 2 .*line format 1: the line is not the canonical JSON/m,
      },
      {
        name: 'a U+FFFD replaced by bytes that are not UTF-8 (every decoder turns them back into U+FFFD)',
        change: (l) => {
          const at = l.indexOf(Buffer.from('\ufffd'));
          assert.ok(at > 0, 'the fixture line holds a U+FFFD');
          return Buffer.concat([l.subarray(0, at), Buffer.from([0xff]), l.subarray(at + 3)]);
        },
        expect: /^INVALID: record modified: seq 2 .*not valid UTF-8/m,
      },
    ];
    for (const c of unseen) {
      it(`${c.name}: named, exit 1`, async () => {
        const bytes = await readFile(first);
        const start = bytes.indexOf(10) + 1;
        const end = bytes.indexOf(10, start);
        await writeFile(first, Buffer.concat([bytes.subarray(0, start), c.change(bytes.subarray(start, end)), bytes.subarray(end)]));
        const r = await runAuditCli(['verify', '--dir', dir, '--key', keys]);
        assert.match(r.stdout, c.expect, r.stdout);
        assert.equal(r.code, 1, r.stdout);
      });
    }
  });

  describe('format 2: what the writer writes now', () => {
    let lines: string[];
    let segPath: string;
    beforeEach(async () => {
      const audit = await openAudit(env.dataDir);
      for (let i = 0; i < 12; i++) {
        await audit.append({ kind: 'arrival', requestId: `req-${i}`, model: 'gpt-4o', bodyBytes: 100 + i, requestBody: { messages: [{ role: 'user', content: i === 4 ? 'a\ud800b' : `hi ${i} é😀 "q" \\ \n` }], n: [1e21, -0, 0.5], '10': 'x', '9': 'y' } } as never);
      }
      await audit.close();
      ({ path: segPath, lines } = await segmentLines(env.auditDir));
    });

    it('each line is {"v":2, ..., "hash":"…"}; hash = SHA-256 of prev and the record part as written, and the SIEM-facing JSON is the record', async () => {
      for (const line of lines) {
        assert.ok(line.startsWith('{"v":2,"id":"'), line.slice(0, 40));
        const rec = JSON.parse(line) as Rec;
        assert.ok(line.endsWith(`,"hash":"${rec.hash}"}`), 'the hash is the last member');
        assert.equal(rec.hash, sha256(rec.prev + partOf(line)), `seq ${rec.seq}`);
      }
      const arrivals = lines.map((l) => JSON.parse(l) as Rec).filter((r) => r.kind === 'arrival');
      assert.equal(arrivals.length, 12);
      // A lone surrogate from a client is stored as U+FFFD (I-JSON), not as an escape no parser agrees on.
      assert.equal(arrivals[4].requestBody.messages[0].content, 'a\ufffdb');
      assert.deepEqual(arrivals[0].requestBody.n, [1e21, 0, 0.5]);
      const r = await runAuditCli(['verify', '--dir', env.auditDir]);
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, new RegExp(`^${lines.length}/${lines.length} records valid$`, 'm'));
    });

    // Each change is re-hashed so the record's own hash matches again: only the form check can name it on that record.
    const arrivalAt = (l: string[]) => l.findIndex((x) => x.includes('"requestId":"req-3"'));
    const cases: { name: string; tamper: (part: string) => string; expect: RegExp }[] = [
      { name: 'a repeated member name (re-hashed)', tamper: (p) => p.replace('"model":"gpt-4o"', '"model":"gpt-5","model":"gpt-4o"'), expect: /line format 2: member name "model" appears twice in one object/ },
      { name: 'whitespace in the record part (re-hashed)', tamper: (p) => p.replace('"kind":"arrival"', '"kind" : "arrival"'), expect: /line format 2: unexpected " " where ':' belongs/ },
      { name: 'a number in another form (re-hashed)', tamper: (p) => p.replace('"bodyBytes":103', '"bodyBytes":1.03e2'), expect: /line format 2: number 1\.03e2 is not in its shortest form \(103\)/ },
      { name: 'a character written as an escape (re-hashed)', tamper: (p) => p.replace('"gpt-4o"', '"gpt-4\\u006f"'), expect: /line format 2: escape \\u006f is not in its one form/ },
      { name: 'v moved from the start (re-hashed)', tamper: (p) => p.replace('{"v":2,', '{').replace(/}$/, ',"v":2}'), expect: /line format 2: a format 2 line starts with \{"v":2,/ },
    ];
    for (const c of cases) {
      it(`${c.name}: named on that record, exit 1`, async () => {
        const i = arrivalAt(lines);
        lines[i] = sealPart(c.tamper(partOf(lines[i])));
        await writeLines(segPath, lines);
        const r = await runAuditCli(['verify', '--dir', env.auditDir]);
        assert.match(r.stdout, new RegExp(`^INVALID: record in the wrong form: seq ${i + 1} .*${c.expect.source}`, 'm'), r.stdout);
        assert.equal(r.code, 1, r.stdout);
      });
    }

    it('v removed (a downgrade to format 1) or made unknown: the hash no longer matches or the line is refused', async () => {
      const i = arrivalAt(lines);
      const saved = lines[i];
      lines[i] = saved.replace('{"v":2,', '{');
      await writeLines(segPath, lines);
      let r = await runAuditCli(['verify', '--dir', env.auditDir]);
      assert.match(r.stdout, new RegExp(`^INVALID: record modified: seq ${i + 1} `, 'm'), r.stdout);
      assert.equal(r.code, 1);
      lines[i] = sealPart(partOf(saved).replace('{"v":2,', '{"v":3,'));
      await writeLines(segPath, lines);
      r = await runAuditCli(['verify', '--dir', env.auditDir]);
      assert.match(r.stdout, /^INVALID: malformed line: seq \d+ .*unknown line format 3/m, r.stdout);
      assert.equal(r.code, 1);
    });

    it('the hash member not last, or another member after it: refused', async () => {
      const i = arrivalAt(lines);
      const rec = JSON.parse(lines[i]) as Rec;
      lines[i] = lines[i].replace(/}$/, ',"note":"x"}');
      await writeLines(segPath, lines);
      const r = await runAuditCli(['verify', '--dir', env.auditDir]);
      assert.match(r.stdout, new RegExp(`^INVALID: malformed line: seq ${rec.seq} .*ends with its "hash" member`, 'm'), r.stdout);
      assert.equal(r.code, 1);
    });

    it('a U+FFFD replaced by bytes that are not UTF-8: named, exit 1', async () => {
      const bytes = await readFile(segPath);
      const at = bytes.indexOf(Buffer.from('a\ufffdb'));
      assert.ok(at > 0);
      await writeFile(segPath, Buffer.concat([bytes.subarray(0, at + 1), Buffer.from([0xff]), bytes.subarray(at + 4)]));
      const r = await runAuditCli(['verify', '--dir', env.auditDir]);
      assert.match(r.stdout, /^INVALID: record modified: seq \d+ .*not valid UTF-8/m, r.stdout);
      assert.equal(r.code, 1);
    });
  });
});
