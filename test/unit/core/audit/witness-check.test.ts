import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { CompactRange, consistencyProof, leafHash, rangeHashOf } from '../../../../gateway/core/audit/merkle';
import { decideSubmission, type WitnessedHead } from '../../../../gateway/core/audit/witness-check';

function key(kid: string): { priv: KeyObject; pub: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { priv: privateKey, pub: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid } };
}

const leaves = Array.from({ length: 30 }, (_, i) => leafHash(Buffer.from(`record ${i}`)));
const rootOf = (n: number) => {
  const r = new CompactRange();
  for (const l of leaves.slice(0, n)) r.push(l);
  return r.root().toString('hex');
};
const proof = (m: number, n: number) => consistencyProof(m, n, rangeHashOf(leaves)).map((h) => h.toString('hex'));

function checkpoint(k: { priv: KeyObject; pub: JWK }, seq: number, extra: Record<string, unknown> = {}): string {
  const payload = { v: 2, chain: 'gw-1', seq, head: 'ab'.repeat(32), time: `t${seq}`, root: rootOf(seq), ...extra };
  const input = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: k.pub.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), k.priv).toString('base64url')}`;
}

describe('core/audit/witness-check: what a witness accepts', () => {
  const a = key('a');
  const b = key('b');
  const trusted = { keys: [a.pub] };
  let head: WitnessedHead;

  beforeEach(async () => {
    const d = await decideSubmission(undefined, { checkpoint: checkpoint(a, 10) }, trusted);
    assert.ok(d.ok);
    head = d.head;
  });

  it('takes a chain\'s first head signed by a trusted key, then only proven extensions', async () => {
    assert.equal(head.seq, 10);
    const d = await decideSubmission(head, { checkpoint: checkpoint(a, 17), from: 10, proof: proof(10, 17) }, trusted);
    assert.ok(d.ok && d.changed && d.head.seq === 17);
    const same = await decideSubmission(head, { checkpoint: checkpoint(a, 10) }, trusted);
    assert.ok(same.ok && !same.changed);
  });

  it('asks for a proof from its head, and refuses one that does not verify, a rollback and a fork', async () => {
    const noProof = await decideSubmission(head, { checkpoint: checkpoint(a, 17) }, trusted);
    assert.ok(!noProof.ok && noProof.code === 'ERR_WITNESS_PROOF_NEEDED' && noProof.head?.seq === 10);
    const wrongFrom = await decideSubmission(head, { checkpoint: checkpoint(a, 17), from: 9, proof: proof(9, 17) }, trusted);
    assert.ok(!wrongFrom.ok && wrongFrom.code === 'ERR_WITNESS_PROOF_NEEDED');
    const bad = proof(10, 17);
    bad[0] = bad[0].replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const notExt = await decideSubmission(head, { checkpoint: checkpoint(a, 17), from: 10, proof: bad }, trusted);
    assert.ok(!notExt.ok && notExt.code === 'ERR_WITNESS_NOT_EXTENSION' && notExt.status === 409);
    // A tree of 17 whose root is not the extension of the accepted one (records rewritten).
    const forged = await decideSubmission(head, { checkpoint: checkpoint(a, 17, { root: rootOf(18) }), from: 10, proof: proof(10, 17) }, trusted);
    assert.ok(!forged.ok && forged.code === 'ERR_WITNESS_NOT_EXTENSION');
    const back = await decideSubmission(head, { checkpoint: checkpoint(a, 8) }, trusted);
    assert.ok(!back.ok && back.code === 'ERR_WITNESS_ROLLBACK');
    const fork = await decideSubmission(head, { checkpoint: checkpoint(a, 10, { root: rootOf(11) }) }, trusted);
    assert.ok(!fork.ok && fork.code === 'ERR_WITNESS_FORK');
  });

  it('follows a key hand-over and refuses a key that was not introduced, or a version 1 checkpoint', async () => {
    const stranger = await decideSubmission(head, { checkpoint: checkpoint(b, 17), from: 10, proof: proof(10, 17) }, { keys: [a.pub, b.pub] });
    assert.ok(!stranger.ok && stranger.code === 'ERR_WITNESS_KEY_NOT_INTRODUCED');
    const next = { kty: 'OKP', crv: 'Ed25519', x: b.pub.x, kid: 'b' };
    const handOver = await decideSubmission(head, { checkpoint: checkpoint(a, 12, { next }), from: 10, proof: proof(10, 12) }, trusted);
    assert.ok(handOver.ok);
    const byB = await decideSubmission(handOver.head, { checkpoint: checkpoint(b, 13), from: 12, proof: proof(12, 13) }, trusted);
    assert.ok(byB.ok, JSON.stringify(byB));
    const byA = await decideSubmission(byB.head, { checkpoint: checkpoint(a, 14), from: 13, proof: proof(13, 14) }, trusted);
    assert.ok(!byA.ok && byA.code === 'ERR_WITNESS_KEY_NOT_INTRODUCED', 'the old key is retired after the hand-over');
    const v1 = await decideSubmission(undefined, { checkpoint: checkpoint(a, 5, { v: undefined, root: undefined }) }, trusted);
    assert.ok(!v1.ok && v1.code === 'ERR_WITNESS_NO_ROOT');
  });
});
