import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publicKeySet } from '../../../gateway/core/audit/checkpoint';
import { verifyProofDocument } from '../../../gateway/core/audit/proof';
import { logLines } from '../../../gateway/audit/tree-reader';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import { readJwk, rewriteAndResign, rollBackAnchor } from '../../helpers/audit-attacker';
import { openAudit, runAuditCli, segmentLines, tempDataDir, until, writeLines, writeSampleLog } from '../../helpers/audit-log';
import { HttpReceiver } from '../../helpers/http-receiver';

type Rec = Record<string, any>;

/** Every one-byte change of the proof text (each byte XOR 0x01 and XOR 0x20) must fail: unparsable or refused. */
async function everyByteChangeFails(text: string, keys: ReturnType<typeof publicKeySet>): Promise<number> {
  const bytes = Buffer.from(text);
  let tried = 0;
  for (let i = 0; i < bytes.length; i++) {
    for (const flip of [0x01, 0x20]) {
      const changed = Buffer.from(bytes);
      changed[i] ^= flip;
      let doc: unknown;
      try {
        doc = JSON.parse(changed.toString('utf8'));
      } catch {
        continue; // not a proof any more: refused before any check
      }
      const r = await verifyProofDocument(doc, keys);
      assert.equal(r.ok, false, `byte ${i} (${JSON.stringify(text[i])} ^ ${flip}) changed, yet the proof verifies: ${changed.toString('utf8').slice(Math.max(0, i - 30), i + 30)}`);
      tried++;
    }
  }
  return tried;
}

describe('audit proofs: inclusion and consistency against signed checkpoints, checked with the public key alone', function () {
  this.timeout(120_000);
  let env: Awaited<ReturnType<typeof tempDataDir>>;
  let keysFile: string;
  let keys: ReturnType<typeof publicKeySet>;
  let lines: string[];

  beforeEach(async () => {
    env = await tempDataDir();
    await writeSampleLog(env.dataDir, 40);
    keysFile = join(env.auditDir, 'signing-keys.jwks.json');
    keys = publicKeySet(JSON.parse(await readFile(keysFile, 'utf8')));
    ({ lines } = await segmentLines(env.auditDir));
  });
  afterEach(() => env.cleanup());

  it('prove --id: an inclusion proof that verify-proof accepts, and that fails after any one-byte change to the proof, the record or the checkpoint', async () => {
    const record = lines.map((l) => JSON.parse(l) as Rec).find((r) => r.kind === 'arrival' && r.seq > 12)!;
    const proof = await runAuditCli(['prove', '--id', record.id, '--dir', env.auditDir]);
    assert.equal(proof.code, 0, proof.stderr);
    const doc = JSON.parse(proof.stdout) as Rec;
    assert.equal(doc.type, 'inclusion');
    assert.equal(doc.record, lines[record.seq - 1], 'the record exactly as the log stores it');
    assert.ok(doc.path.length >= 4);

    const file = join(env.dataDir, 'proof.json');
    await writeFile(file, proof.stdout);
    const ok = await runAuditCli(['verify-proof', file, '--key', keysFile]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`^VALID: record seq ${record.seq} \\(id ${record.id}\\) is in the tree of \\d+ records`));

    const tried = await everyByteChangeFails(proof.stdout.trim(), keys);
    assert.ok(tried > 1000, `${tried} parsable changes tried`);
    // And through the CLI: a changed record is refused with exit 1.
    await writeFile(file, proof.stdout.replace('"model\\":\\"gpt-4o', '"model\\":\\"gpt-4x'));
    const bad = await runAuditCli(['verify-proof', file, '--key', keysFile]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^INVALID: record content does not match its hash/);
  });

  it('prove --from/--to: a consistency proof between two checkpoints that fails after any one-byte change', async () => {
    const sizes = lines.map((l) => JSON.parse(l) as Rec).filter((r) => r.kind === 'checkpoint' && r.seq > 1).map((r) => r.checkpoint.seq as number);
    const [from, to] = [sizes[1], sizes.at(-1)!];
    const proof = await runAuditCli(['prove', '--from', String(from), '--to', String(to), '--dir', env.auditDir]);
    assert.equal(proof.code, 0, proof.stderr);
    const doc = JSON.parse(proof.stdout) as Rec;
    assert.equal(doc.type, 'consistency');
    const r = await verifyProofDocument(doc, keys);
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.summary, new RegExp(`the tree of ${to} records .* extends the tree of ${from} records`));
    await everyByteChangeFails(proof.stdout.trim(), keys);
    // The proof is for these two checkpoints only: swapping them does not verify.
    assert.equal((await verifyProofDocument({ ...doc, from: doc.to, to: doc.from }, keys)).ok, false);
  });

  it('a SIEM holds the signed heads beside the records: an HTTP sink receives every checkpoint, and a record proves against the one it holds', async () => {
    const receiver = await new HttpReceiver().start();
    try {
      const audit = await openAudit(env.dataDir, { sinks: [{ type: 'http', name: 'siem', url: `${receiver.url}/ingest`, backoffMinMs: 20, backoffMaxMs: 200 }] });
      const added = await audit.append({ kind: 'arrival', requestId: 'siem-held' });
      await audit.writer.checkpoint();
      const durable = audit.writer.durablePosition().seq;
      const delivered = () => receiver.received.flatMap((r) => r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec));
      await until(() => delivered().some((r) => r.seq === durable), 10_000, 'the sink caught up');
      await audit.close();
      const atSink = delivered().filter((r) => r.kind === 'checkpoint');
      const inLog: Rec[] = [];
      for await (const l of logLines(env.auditDir)) if (l.seq <= durable && JSON.parse(l.text).kind === 'checkpoint') inLog.push(JSON.parse(l.text));
      assert.ok(inLog.length >= 5);
      assert.deepEqual(atSink.map((r) => r.seq).filter((q, i, a) => a.indexOf(q) === i), inLog.map((r) => r.seq));
      const held = atSink.find((r) => r.checkpoint.seq >= added.seq)!;
      assert.match(held.checkpoint.root, /^[0-9a-f]{64}$/);
      const proof = await runAuditCli(['prove', '--id', added.id, '--at', String(held.checkpoint.seq), '--dir', env.auditDir]);
      assert.equal(proof.code, 0, proof.stderr);
      const doc = JSON.parse(proof.stdout) as Rec;
      assert.equal(doc.checkpoint, held.checkpoint.jws, 'proven against the head the SIEM holds');
      assert.ok((await verifyProofDocument(doc, keys)).ok);
    } finally {
      await receiver.stop();
    }
  });

  it('verify recomputes every signed Merkle root from the records', async () => {
    const report = await verifyAuditDir(env.auditDir);
    assert.deepEqual(report.findings, []);
    const checkpoints = lines.filter((l) => JSON.parse(l).kind === 'checkpoint').length;
    assert.equal(report.merkleRoots, checkpoints);
  });

  it('an old log (version 1 checkpoints, no Merkle root) still verifies, and the writer continues it with Merkle checkpoints from seq 1', async () => {
    const key = await readJwk(join(env.dataDir, 'audit-signing.jwk.json'));
    const old = rewriteAndResign(lines, key, () => undefined, 1);
    assert.ok(old.every((l) => !l.includes('"root"')));
    const { path } = await segmentLines(env.auditDir);
    await writeLines(path, old);
    await rollBackAnchor(join(env.auditDir, 'anchor.json'), old);
    const before = await verifyAuditDir(env.auditDir);
    assert.deepEqual(before.findings, []);
    assert.equal(before.merkleRoots, undefined);

    const audit = await openAudit(env.dataDir);
    const added = await audit.append({ kind: 'arrival', requestId: 'after-upgrade' });
    await audit.close();
    const after = await verifyAuditDir(env.auditDir);
    assert.deepEqual(after.findings, []);
    assert.ok(after.merkleRoots! >= 2, 'the start and stop checkpoints carry roots over every record');
    // A record from before the upgrade is provable against the new checkpoints.
    const oldId = JSON.parse(old[5]).id as string;
    for (const id of [oldId, added.id]) {
      const proof = await runAuditCli(['prove', '--id', id, '--dir', env.auditDir]);
      assert.equal(proof.code, 0, proof.stderr);
      assert.ok((await verifyProofDocument(JSON.parse(proof.stdout), keys)).ok);
    }
  });
});
