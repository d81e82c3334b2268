import { consistencyProof, inclusionProof, CompactRange, recordLeaf, type RangeHash } from '../core/audit/merkle';
import type { ProofDocument } from '../core/audit/proof';
import type { AuditRecord } from '../generated/audit-record';
import { logLines } from './tree-reader';

/** A checkpoint line of the log: the JWS and the tree size it signs. */
interface CheckpointAt {
  size: number;
  jws: string;
}

/**
 * Reads the log once: every record's leaf (32 bytes each, in one growing buffer), the version 2
 * checkpoints, and the line of the record `id` when asked for. A prover's job, off the gateway's
 * path: the writer itself never rehashes the log.
 */
async function scan(dir: string, id?: string): Promise<{ leaves: Buffer; count: number; checkpoints: CheckpointAt[]; found?: { seq: number; line: string } }> {
  let leaves = Buffer.alloc(32 * 1024);
  let count = 0;
  const checkpoints: CheckpointAt[] = [];
  let found: { seq: number; line: string } | undefined;
  const idField = id === undefined ? undefined : `"id":${JSON.stringify(id)}`;
  for await (const l of logLines(dir)) {
    if (l.seq !== count + 1) throw new Error(`the log skips from seq ${count} to ${l.seq} (its first records are gone): run gatehouse audit verify`);
    if ((count + 1) * 32 > leaves.length) leaves = Buffer.concat([leaves, Buffer.alloc(leaves.length)]);
    recordLeaf(l.hash).copy(leaves, count * 32);
    count++;
    if (l.text.includes('"kind":"checkpoint"')) {
      const r = JSON.parse(l.text) as AuditRecord;
      if (r.kind === 'checkpoint' && r.checkpoint?.root) checkpoints.push({ size: r.checkpoint.seq, jws: r.checkpoint.jws });
    }
    if (idField && !found && l.text.includes(idField) && (JSON.parse(l.text) as AuditRecord).id === id) found = { seq: l.seq, line: l.text };
  }
  return { leaves, count, checkpoints, found };
}

function rangeHash(leaves: Buffer): RangeHash {
  return (start, end) => {
    const r = new CompactRange();
    for (let i = start; i < end; i++) r.push(leaves.subarray(i * 32, i * 32 + 32));
    return r.root();
  };
}

/**
 * An inclusion proof of the record `id` against a checkpoint: the one of tree size `at`, else the
 * latest (which covers every record before it).
 */
export async function proveInclusion(dir: string, id: string, at?: number): Promise<ProofDocument> {
  const { leaves, checkpoints, found } = await scan(dir, id);
  if (!found) throw new Error(`no record with id ${id} in the log`);
  const cp = at === undefined ? checkpoints.at(-1) : checkpoints.find((c) => c.size === at);
  if (!cp) throw new Error(at === undefined ? 'the log has no version 2 checkpoint (with a Merkle root)' : `no version 2 checkpoint attests seq ${at}`);
  if (cp.size < found.seq) throw new Error(`record seq ${found.seq} is after the latest checkpoint (seq ${cp.size}); the next one follows within audit.checkpoint.maxSeconds`);
  return { type: 'inclusion', record: found.line, path: hex(inclusionProof(found.seq - 1, cp.size, rangeHash(leaves))), checkpoint: cp.jws };
}

/** A consistency proof between the checkpoints attesting seq `from` and seq `to` (their tree sizes). */
export async function proveConsistency(dir: string, from: number, to: number): Promise<ProofDocument> {
  const { leaves, checkpoints } = await scan(dir);
  const a = checkpoints.find((c) => c.size === from);
  const b = checkpoints.find((c) => c.size === to);
  if (!a || !b) throw new Error(`no version 2 checkpoint attests seq ${!a ? from : to} (give the seq a checkpoint attests: its checkpoint.seq)`);
  if (from > to) throw new Error('--from must not be after --to');
  return { type: 'consistency', from: a.jws, to: b.jws, path: hex(consistencyProof(from, to, rangeHash(leaves))) };
}

function hex(path: Buffer[]): string[] {
  return path.map((h) => h.toString('hex'));
}
