import type { JSONWebKeySet, JWK } from 'jose';
import { publicKeySet, verifyCheckpointJws } from './checkpoint';
import type { Finding } from './findings';

/** A checkpoint record as the chain verifier settled it. */
export interface SettledCheckpoint {
  seq: number;
  id: string;
  prev: string;
  chain: string;
  jws: string;
  file?: string;
  line?: number;
  /** The Merkle root the verifier recomputed from the records before this one (undefined when it could not). */
  treeRoot?: string;
}

export interface TrailResult {
  findings: Finding[];
  valid: number;
  /** Checkpoints whose signed Merkle root matched the recomputed one. */
  merkleRoots: number;
  /** The given keys plus every key a valid hand-over introduced: what the anchor and witnessed heads may be signed with. */
  trusted: JSONWebKeySet;
}

/**
 * Checks the checkpoints in chain order: each signature, the signed (seq, head, chain) against
 * the chain, the signed Merkle root against the one recomputed from the records, and the key.
 *
 * Keys: the first checkpoint may be signed by any given key; from then on only by the key that
 * signed the one before, until a checkpoint signed by it hands over (`next`) to a new key. A
 * checkpoint signed by another given key is `key_not_introduced` (a re-sign with a key the
 * data dir happens to hold, or with a key already handed over).
 *
 * @example
 * const { findings } = await checkCheckpointTrail(settled, { keys: [outsideCopyOfTheFirstKey] });
 */
export async function checkCheckpointTrail(checkpoints: readonly SettledCheckpoint[], given: JSONWebKeySet): Promise<TrailResult> {
  const findings: Finding[] = [];
  const introduced: JWK[] = [];
  let current: JWK | undefined;
  let valid = 0;
  let merkleRoots = 0;
  for (const cp of checkpoints) {
    const at = { seq: cp.seq, id: cp.id, file: cp.file, line: cp.line };
    const check = await verifyCheckpointJws(cp.jws, current ? { keys: [current] } : given);
    if (!check.ok) {
      const other = current ? await verifyCheckpointJws(cp.jws, publicKeySet({ keys: [...given.keys, ...introduced] })) : undefined;
      if (other?.ok) findings.push({ kind: 'key_not_introduced', ...at, message: `signed by key ${other.kid ?? '(no kid)'}, but the checkpoints before it are signed by ${current!.kid} and no hand-over (gatehouse audit rotate-key) introduced this key` });
      else findings.push({ kind: 'bad_checkpoint_signature', ...at, message: check.reason });
      continue;
    }
    current ??= given.keys.find((k) => k.kid !== undefined && k.kid === check.kid);
    const p = check.payload;
    if (p.seq !== cp.seq - 1 || p.head !== cp.prev || p.chain !== cp.chain) {
      findings.push({ kind: 'checkpoint_mismatch', ...at, message: `signed head of seq ${p.seq} is ${short(p.head)} but the chain has ${short(cp.prev)} at seq ${cp.seq - 1}: records before it were rewritten` });
      continue;
    }
    if (p.root !== undefined && cp.treeRoot !== undefined && p.root !== cp.treeRoot) {
      findings.push({ kind: 'checkpoint_mismatch', ...at, message: `signed Merkle root ${short(p.root)} of records 1..${p.seq} is not the root of the records in the log (${short(cp.treeRoot)}): records before it were rewritten` });
      continue;
    }
    if (p.root !== undefined && cp.treeRoot !== undefined) merkleRoots++;
    valid++;
    if (p.next) {
      const next: JWK = { kty: p.next.kty, crv: p.next.crv, x: p.next.x, kid: p.next.kid, alg: 'EdDSA', use: 'sig' };
      introduced.push(next);
      current = next;
    }
  }
  return { findings, valid, merkleRoots, trusted: publicKeySet({ keys: [...given.keys, ...introduced] }) };
}

function short(h: string): string {
  return h.slice(0, 12) + '…';
}
