import type { JSONWebKeySet, JWK } from 'jose';
import { verifyCheckpointJws } from './checkpoint';
import { verifyConsistency } from './merkle';

/** What a witness holds for one chain: the last checkpoint it accepted and the key that signs the next. */
export interface WitnessedHead {
  chain: string;
  seq: number;
  head: string;
  root: string;
  time: string;
  jws: string;
  /** The public key the chain's next checkpoint must be signed with (changes on a hand-over). */
  key: JWK;
}

/** A gateway's submission: a checkpoint, and a consistency proof from the head it believes the witness holds. */
export interface WitnessSubmission {
  checkpoint: string;
  /** Tree size (seq) the proof starts from: the witness's head as the gateway knows it. */
  from?: number;
  /** RFC 9162 consistency proof from `from` to the checkpoint's seq, hex. */
  proof?: string[];
}

export type WitnessDecision =
  | { ok: true; head: WitnessedHead; changed: boolean }
  | { ok: false; status: number; code: string; message: string; head?: WitnessedHead };

/**
 * Decides whether a witness accepts a checkpoint. The first checkpoint of a chain must be signed
 * by one of `trusted` (the witness's configured keys) and carry a Merkle root (version 2); each
 * later one must be signed by the chain's current key (a hand-over changes it) and come with a
 * consistency proof that its tree extends the accepted one. Anything else — an older or equal
 * size with another root, a proof that does not verify — is refused: that is a fork, a rollback
 * or a truncated log re-signed, and the witness's head stays as evidence.
 *
 * @example
 * const d = await decideSubmission(current, { checkpoint: jws, from: current.seq, proof }, trusted);
 * if (d.ok) store(d.head); else respond(d.status, d.code, d.message);
 */
export async function decideSubmission(current: WitnessedHead | undefined, s: WitnessSubmission, trusted: JSONWebKeySet): Promise<WitnessDecision> {
  if (typeof s.checkpoint !== 'string') return refuse(400, 'ERR_WITNESS_BAD_REQUEST', 'checkpoint (a compact JWS) is required');
  const check = await verifyCheckpointJws(s.checkpoint, current ? { keys: [current.key] } : trusted);
  if (!check.ok) {
    const known = current ? await verifyCheckpointJws(s.checkpoint, trusted) : undefined;
    if (known?.ok) return refuse(403, 'ERR_WITNESS_KEY_NOT_INTRODUCED', `signed by key ${known.kid}, but chain ${current!.chain} is signed by ${current!.key.kid} and no hand-over introduced this key`, current);
    return refuse(403, 'ERR_WITNESS_BAD_SIGNATURE', `checkpoint signature: ${check.reason}`, current);
  }
  const p = check.payload;
  if (p.root === undefined) return refuse(422, 'ERR_WITNESS_NO_ROOT', 'a version 1 checkpoint (no Merkle root) cannot be checked for consistency');
  if (current && p.chain !== current.chain) return refuse(400, 'ERR_WITNESS_BAD_REQUEST', `checkpoint of chain ${p.chain} sent for chain ${current.chain}`);
  const signer = current?.key ?? trusted.keys.find((k) => k.kid === check.kid) ?? trusted.keys[0];
  const next: WitnessedHead = {
    chain: p.chain, seq: p.seq, head: p.head, root: p.root, time: p.time, jws: s.checkpoint,
    key: p.next ? { kty: p.next.kty, crv: p.next.crv, x: p.next.x, kid: p.next.kid, alg: 'EdDSA', use: 'sig' } : signer,
  };
  if (!current) return { ok: true, head: next, changed: true };
  if (p.seq < current.seq) return refuse(409, 'ERR_WITNESS_ROLLBACK', `checkpoint of seq ${p.seq} is older than the accepted head of seq ${current.seq}: the log was rolled back`, current);
  if (p.seq === current.seq) {
    if (p.root === current.root && p.head === current.head) return { ok: true, head: current, changed: false };
    return refuse(409, 'ERR_WITNESS_FORK', `checkpoint of seq ${p.seq} has another head or root than the accepted one: the log was rewritten`, current);
  }
  if (s.from !== current.seq || !Array.isArray(s.proof)) return refuse(409, 'ERR_WITNESS_PROOF_NEEDED', `send a consistency proof from seq ${current.seq}`, current);
  if (!s.proof.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) return refuse(400, 'ERR_WITNESS_BAD_REQUEST', 'proof must be 64-character lower-case hex hashes');
  const proof = s.proof.map((h) => Buffer.from(h, 'hex'));
  if (!verifyConsistency(current.seq, p.seq, Buffer.from(current.root, 'hex'), Buffer.from(p.root, 'hex'), proof)) {
    return refuse(409, 'ERR_WITNESS_NOT_EXTENSION', `the tree of seq ${p.seq} is not an extension of the accepted tree of seq ${current.seq} (the consistency proof does not verify): the log was rewritten`, current);
  }
  return { ok: true, head: next, changed: true };
}

function refuse(status: number, code: string, message: string, head?: WitnessedHead): WitnessDecision {
  return { ok: false, status, code, message, head };
}
