import type { CheckpointPayload, PublicKeyJwk } from '../core/audit/checkpoint';
import type { CompactRange } from '../core/audit/merkle';
import type { AuditRecord } from '../generated/audit-record';
import type { SigningKey } from './signing-key';

/**
 * The fields of a checkpoint record attesting `head`: the signed payload (version 2 with the
 * Merkle root when the writer has the tree, version 1 without), the unsigned copies a reader
 * wants at hand, and the frontier that lets the tree resume from this record.
 *
 * @example
 * const fields = checkpointFields('gw-1', { seq: 41, hash }, tree, key, new Date().toISOString());
 * // fields.checkpoint.jws signs { v: 2, chain: 'gw-1', seq: 41, head: hash, time, root }
 */
export function checkpointFields(chain: string, head: { seq: number; hash: string }, tree: CompactRange | undefined, key: SigningKey, time: string, next?: PublicKeyJwk): Pick<AuditRecord, 'kind' | 'time' | 'checkpoint'> {
  const root = tree?.root().toString('hex');
  const payload: CheckpointPayload = root === undefined
    ? { chain, seq: head.seq, head: head.hash, time }
    : { v: 2, chain, seq: head.seq, head: head.hash, time, root, ...(next ? { next } : {}) };
  return {
    kind: 'checkpoint',
    time,
    checkpoint: {
      seq: head.seq, head: head.hash, kid: key.kid, jws: key.sign(payload),
      ...(root === undefined ? {} : { root, frontier: tree!.frontier() }),
      ...(next ? { next: { ...next } } : {}),
    },
  };
}
