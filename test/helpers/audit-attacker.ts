import { createPrivateKey, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { CompactRange, recordLeaf } from '../../gateway/core/audit/merkle';
import { hashOf, sealLine } from './audit-line';

type Rec = Record<string, any>;

/**
 * What root on the gateway host can do with the gateway's own private key: rewrite the log from
 * any point on and make it verify again — every hash recomputed, every Merkle root and frontier
 * recomputed, every checkpoint re-signed. Only a head kept outside the host can tell.
 *
 * `lines` is the whole log (seq 1 first); `edit` changes the records it is given in place, or
 * returns false to drop one. Returns the new lines: each in its own line format, except that
 * `version` 1 (what gateways wrote before checkpoints carried a Merkle root) writes line format 1 too.
 */
export function rewriteAndResign(lines: string[], privateJwk: Rec, edit: (r: Rec) => boolean | void, version: 1 | 2 = 2): string[] {
  const key = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const out: string[] = [];
  const tree = new CompactRange();
  let prev = '0'.repeat(64);
  for (const line of lines) {
    const { hash: _h, ...r } = JSON.parse(line) as Rec;
    if (edit(r) === false) continue;
    if (version === 1) delete r.v;
    r.seq = out.length + 1;
    r.prev = prev;
    if (r.kind === 'checkpoint') {
      const root = tree.root().toString('hex');
      // Version 1 is what gateways wrote before checkpoints carried a Merkle root.
      const payload = version === 2 ? { v: 2, chain: r.chain, seq: r.seq - 1, head: prev, time: r.time, root } : { chain: r.chain, seq: r.seq - 1, head: prev, time: r.time };
      const jws = signPayload(payload, privateJwk, key);
      r.checkpoint = version === 2 ? { seq: r.seq - 1, head: prev, kid: privateJwk.kid, root, frontier: tree.frontier(), jws } : { seq: r.seq - 1, head: prev, kid: privateJwk.kid, jws };
    }
    const sealed = sealLine(r);
    prev = hashOf(sealed);
    tree.push(recordLeaf(prev));
    out.push(sealed);
  }
  return out;
}

/** Re-signs one checkpoint line (its signed payload unchanged) with another key, and rehashes it: for a log's last line. */
export function resignCheckpointLine(line: string, privateJwk: Rec): string {
  const key = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const { hash: _h, ...r } = JSON.parse(line) as Rec;
  const payload = JSON.parse(Buffer.from(r.checkpoint.jws.split('.')[1], 'base64url').toString('utf8'));
  r.checkpoint = { ...r.checkpoint, kid: privateJwk.kid, jws: signPayload(payload, privateJwk, key) };
  return sealLine(r);
}

function signPayload(payload: unknown, privateJwk: Rec, key: ReturnType<typeof createPrivateKey>): string {
  const input = `${b64(JSON.stringify({ alg: 'EdDSA', kid: privateJwk.kid, typ: 'gatehouse-checkpoint+jws' }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

/** Rolls the in-dir anchor back to (a re-signed copy of) the last checkpoint of `lines`. */
export async function rollBackAnchor(anchorFile: string, lines: string[]): Promise<void> {
  const last = lines.map((l) => JSON.parse(l) as Rec).filter((r) => r.kind === 'checkpoint').at(-1)!;
  const c = last.checkpoint;
  await writeFile(anchorFile, JSON.stringify({ chain: last.chain, seq: c.seq, head: c.head, time: last.time, jws: c.jws, kid: c.kid, ...(c.root ? { root: c.root } : {}) }, null, 2) + '\n');
}

export async function readJwk(file: string): Promise<Rec> {
  return JSON.parse(await readFile(file, 'utf8')) as Rec;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64url');
}
