import type { JSONWebKeySet } from 'jose';
import { verifyCheckpointJws, type CheckpointPayload } from './checkpoint';
import { recordLeaf, verifyConsistency, verifyInclusion } from './merkle';
import { readRecordLine } from './record-line';

/**
 * What `gatehouse audit prove` prints and `verify-proof` checks. Everything a verifier relies on
 * is either signed (the checkpoints' payloads: chain, seq = tree size, root) or recomputed (the
 * record's hash from its bytes, the root from the path), so nothing else needs trusting.
 */
export type ProofDocument =
  | {
      type: 'inclusion';
      /** The record's line exactly as the log stores it (either line format, its hash last: docs/audit-log-format.md). */
      record: string;
      /** RFC 9162 inclusion path of leaf seq - 1 in the tree the checkpoint signs, hex. */
      path: string[];
      /** The checkpoint (compact JWS, version 2). */
      checkpoint: string;
    }
  | {
      type: 'consistency';
      /** The earlier and the later checkpoint (compact JWS, version 2). */
      from: string;
      to: string;
      /** RFC 9162 consistency proof from from's tree size to to's, hex. */
      path: string[];
    };

export type ProofCheck =
  | { ok: true; summary: string }
  | { ok: false; reason: string };

const hex64 = /^[0-9a-f]{64}$/;

/**
 * Checks a proof document with the public key(s) alone.
 *
 * @example
 * const r = await verifyProofDocument(JSON.parse(text), { keys: [publicJwk] });
 * // { ok: true, summary: 'record seq 12 (id …) is in the tree of 40 records signed at …' }
 */
export async function verifyProofDocument(doc: unknown, keys: JSONWebKeySet): Promise<ProofCheck> {
  const d = doc as Record<string, unknown>;
  if (!d || typeof d !== 'object' || Array.isArray(d)) return no('not a proof document (a JSON object)');
  if (!Array.isArray(d.path) || !d.path.every((h) => typeof h === 'string' && hex64.test(h))) return no('path must be a list of 64-character lower-case hex hashes');
  const path = (d.path as string[]).map((h) => Buffer.from(h, 'hex'));
  if (d.type === 'inclusion') {
    if (!onlyKeys(d, ['type', 'record', 'path', 'checkpoint'])) return no('an inclusion proof has exactly type, record, path and checkpoint');
    const cp = await signed(d.checkpoint, keys);
    if ('reason' in cp) return cp;
    const rec = recordOf(d.record);
    if ('reason' in rec) return rec;
    if (rec.chain !== cp.chain) return no(`the record is of chain ${rec.chain}, the checkpoint of chain ${cp.chain}`);
    if (rec.seq > cp.seq) return no(`record seq ${rec.seq} is after the checkpoint's tree of ${cp.seq} records`);
    if (!verifyInclusion(rec.seq - 1, cp.seq, recordLeaf(rec.hash), path, Buffer.from(cp.root!, 'hex'))) return no('the inclusion path does not lead from the record to the signed root');
    return { ok: true, summary: `record seq ${rec.seq} (id ${rec.id}) is in the tree of ${cp.seq} records of chain ${cp.chain}, signed at ${cp.time}` };
  }
  if (d.type === 'consistency') {
    if (!onlyKeys(d, ['type', 'from', 'to', 'path'])) return no('a consistency proof has exactly type, from, to and path');
    const a = await signed(d.from, keys);
    if ('reason' in a) return a;
    const b = await signed(d.to, keys);
    if ('reason' in b) return b;
    if (a.chain !== b.chain) return no(`the checkpoints are of chains ${a.chain} and ${b.chain}`);
    if (a.seq > b.seq) return no(`from (${a.seq} records) is larger than to (${b.seq} records)`);
    if (!verifyConsistency(a.seq, b.seq, Buffer.from(a.root!, 'hex'), Buffer.from(b.root!, 'hex'), path)) return no(`the tree of ${b.seq} records is not proven to extend the tree of ${a.seq} records`);
    return { ok: true, summary: `the tree of ${b.seq} records (signed at ${b.time}) extends the tree of ${a.seq} records (signed at ${a.time}) of chain ${a.chain}` };
  }
  return no('type must be inclusion or consistency');
}

async function signed(jws: unknown, keys: JSONWebKeySet): Promise<CheckpointPayload | { ok: false; reason: string }> {
  if (typeof jws !== 'string') return no('a checkpoint must be a compact JWS');
  const check = await verifyCheckpointJws(jws, keys);
  if (!check.ok) return no(`checkpoint: ${check.reason}`);
  if (check.payload.root === undefined) return no('the checkpoint is version 1 (no Merkle root)');
  return check.payload;
}

/** The record, if the line is exactly the log's line for it (either format) and its hash is its own. */
function recordOf(line: unknown): { seq: number; id: string; chain: string; hash: string } | { ok: false; reason: string } {
  if (typeof line !== 'string') return no('record must be the record line as a string');
  const r = readRecordLine(line);
  if ('malformed' in r) return no(`record: ${r.malformed}`);
  if (r.record.seq < 1) return no('record is not an audit record (seq, prev, chain, hash)');
  if (r.problem) return no(`record is not in the form it was written in (changed after writing): ${r.problem}`);
  if (r.computed !== r.hash) return no('record content does not match its hash (changed after writing)');
  return { seq: r.record.seq, id: r.record.id, chain: r.record.chain, hash: r.hash };
}

function onlyKeys(d: Record<string, unknown>, keys: string[]): boolean {
  const have = Object.keys(d);
  return have.length === keys.length && keys.every((k) => have.includes(k));
}

function no(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
