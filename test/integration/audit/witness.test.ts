import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli';
import { readJwk, rewriteAndResign, rollBackAnchor } from '../../helpers/audit-attacker';
import { until } from '../../helpers/audit-log';
import { WitnessScenario } from '../../helpers/witness-scenario';

const seqOf = (line: string) => (JSON.parse(line) as { seq: number }).seq;
const lastRequestSeq = (lines: string[]) => seqOf(lines.filter((l) => (JSON.parse(l) as { kind: string }).kind !== 'checkpoint').at(-1)!);

describe('audit witness: evidence outside the host (real gateway and witness processes)', function () {
  this.timeout(90_000);
  let s: WitnessScenario;
  let inDirKey: { file: string; jwks: string };

  beforeEach(async () => {
    s = await new WitnessScenario().start();
    // The gateway's default key, in the data dir: what root on the host can read and use.
    inDirKey = await s.makeKey(join(s.dataDir, 'audit-signing.jwk.json'));
    const outsideCopy = join(s.root, 'outside-public.jwks.json');
    await copyFile(inDirKey.jwks, outsideCopy);
    await s.startWitness(outsideCopy);
    await s.writeConfig(['checkpoint: { maxSeconds: 0.2 }', `witness: { url: "${s.witness!.url}", file: "${s.witnessFile}" }`]);
  });
  afterEach(() => s.stop());

  it('truncating the tail after kill -9 (anchor rolled back) verifies clean in the box, and is caught through the witness URL and file', async () => {
    const serve = await s.startServe();
    assert.match(serve.stderr(), /signing key is inside the data dir/);
    await s.chat(20);
    // The last request's record, not the last line: a time-bound checkpoint may already follow it,
    // and a checkpoint record is attested by none (it signs the records before it; the next
    // checkpoint comes only after more records), so waiting to cover it would wait forever.
    const end = lastRequestSeq(await s.lines());
    // Within checkpoint.maxSeconds a checkpoint covering every answered request reaches the witness.
    await until(async () => ((await s.witnessHead())?.seq ?? 0) >= end, 20_000, 'witness head covering the requests');
    const witnessed = (await s.witnessHead())!.seq;
    await serve.stop('SIGKILL');

    // Root on the host: drop the last records and roll the in-dir anchor back to match.
    const lines = await s.lines();
    const kept = lines.filter((l) => seqOf(l) <= witnessed - 4);
    await s.writeLog(kept);
    await rollBackAnchor(join(s.auditDir, 'anchor.json'), kept);
    const inBox = await runCli(['audit', 'verify', '--data-dir', s.dataDir]);
    assert.equal(inBox.code, 0, `the in-dir evidence cannot tell:\n${inBox.stdout}`);

    for (const witness of [s.witness!.url, s.witnessFile]) {
      const r = await runCli(['audit', 'verify', '--data-dir', s.dataDir, '--key', inDirKey.jwks, '--witness', witness]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`INVALID: witnessed head not reached: seq ${witnessed}: .*log ends at seq ${witnessed - 4}`));
    }

    // The gateway restarted on the truncated log: the witness refuses its heads (a rollback).
    const again = await s.startServe();
    await until(() => /the witness refused a checkpoint/.test(again.stderr()), 20_000, 'the witness refusal logged');
    assert.match(again.stderr(), /ERR_WITNESS_ROLLBACK/);
    assert.equal((await s.witnessHead())!.seq, witnessed, 'the witness keeps its head');
  });

  it('GET /admin/audit/verify compares the live log with the configured witness (URL and file), and an unreachable witness is a finding, not a clean result', async () => {
    const serve = await s.startServe();
    await s.chat(5);
    const end = lastRequestSeq(await s.lines());
    await until(async () => ((await s.witnessHead())?.seq ?? 0) >= end, 20_000, 'witness head covering the requests');
    await until(async () => (await s.witnessFileLines()).some((w) => w.seq >= end), 20_000, 'the witness file covering the requests');
    const adminToken = (await readFile(join(s.dataDir, 'admin.token'), 'utf8')).trim();
    const verify = async () => {
      const res = await fetch(`${serve.adminUrl}/admin/audit/verify`, { headers: { authorization: `Bearer ${adminToken}` } });
      assert.equal(res.status, 200);
      return (await res.json()) as { findings: { kind: string; message: string }[]; witness?: { heads: number; latestSeq?: number; source?: string } };
    };

    const clean = await verify();
    assert.deepEqual(clean.findings, []);
    assert.ok(clean.witness, 'the report has the witness comparison');
    assert.ok(clean.witness.latestSeq! >= end, JSON.stringify(clean.witness));
    assert.equal(clean.witness.source, `${s.witness!.url}, ${s.witnessFile}`);

    await s.witness!.stop();
    const away = await verify();
    assert.deepEqual(away.findings.map((f) => f.kind), ['bad_witness']);
    assert.match(away.findings[0].message, new RegExp(`cannot reach the witness ${s.witness!.url}.*: the log was not checked against it`));
    // The file is still read: its heads are compared.
    assert.ok(away.witness!.latestSeq! >= end);
  });

  it('rewriting a record and re-signing everything with the in-dir key (anchor rolled back) is caught through the witness', async () => {
    const serve = await s.startServe();
    await s.chat(12);
    await serve.stop('SIGTERM');
    const lines = await s.lines();
    const last = seqOf(lines.at(-1)!);
    await until(async () => ((await s.witnessHead())?.seq ?? 0) === last - 1, 10_000, 'the stop checkpoint witnessed');

    // Change which model one request used; recompute every hash, root and signature after it.
    let changed = 0;
    const forged = rewriteAndResign(lines, await readJwk(inDirKey.file), (r) => {
      if (r.kind === 'arrival' && r.seq > 5 && !changed++) r.model = 'gpt-4o';
    });
    assert.notDeepEqual(forged, lines);
    await s.writeLog(forged);
    await rollBackAnchor(join(s.auditDir, 'anchor.json'), forged);

    const inBox = await runCli(['audit', 'verify', '--data-dir', s.dataDir]);
    assert.equal(inBox.code, 0, `a re-sign with the in-dir key verifies clean in the box:\n${inBox.stdout}`);
    for (const witness of [s.witness!.url, s.witnessFile]) {
      const r = await runCli(['audit', 'verify', '--data-dir', s.dataDir, '--witness', witness]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /INVALID: witnessed head differs: seq \d+: the witness holds hash .* but the log has/);
    }
  });

  it('the witness refuses a checkpoint that does not extend the one it accepted (consistency proof), and takes ones that do', async () => {
    const serve = await s.startServe();
    await s.chat(5);
    await serve.stop('SIGTERM');
    const first = (await s.witnessHead())!;
    // An extension: the same gateway goes on; the witness moves forward with a proof each time.
    await s.startServe();
    await s.chat(5);
    await s.serve!.stop('SIGTERM');
    const second = (await s.witnessHead())!;
    assert.ok(second.seq > first.seq);
    const lines = await s.lines();
    assert.equal(second.seq, seqOf(lines.at(-1)!) - 1);

    // A fork: the log rewritten before the witnessed head, then extended by a real restart.
    let changed = 0;
    await s.writeLog(rewriteAndResign(lines, await readJwk(inDirKey.file), (r) => {
      if (r.kind === 'outcome' && !changed++) r.status = 500;
    }));
    const forked = await s.startServe();
    await s.chat(2);
    await until(() => /the witness refused a checkpoint/.test(forked.stderr()), 20_000, 'the refusal logged');
    assert.match(forked.stderr(), /ERR_WITNESS_NOT_EXTENSION/);
    assert.equal((await s.witnessHead())!.seq, second.seq);
  });
});
