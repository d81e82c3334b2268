import { mkdir, open as openFile, truncate, unlink } from 'node:fs/promises';
import { GENESIS_HASH } from '../core/audit/hash-record';
import type { AuditRecord } from '../generated/audit-record';
import type { Logger } from '../log';
import { listSegments } from './segment-files';
import { readSegmentTail } from './segment-tail';

/** A torn last line cut off on open; the writer records it as a `recovery` record. */
export interface TornTailRecovery {
  segment: string;
  offset: number;
  droppedBytes: number;
  droppedSha256: string;
}

/**
 * The chain head to continue from: the last record of the newest segment holding one. A torn last
 * line (a crash mid-write) is cut off and synced; empty segments are removed. Refuses a tail that
 * is not a record rather than start a new chain over it.
 *
 * The writer preallocates segments with zeros and cuts each back when it finishes it; after a
 * crash a segment can still end in zeros (the active one, or one rotated just before). Every
 * segment is cut back to its logical end, so the log looks as plain appends would have left it.
 */
const sha256Hex = /^[0-9a-f]{64}$/;

export async function recoverChainHead(dir: string, log: Logger): Promise<{ head: { seq: number; hash: string }; chain?: string; recovered?: TornTailRecovery }> {
  await mkdir(dir, { recursive: true });
  const segments = await listSegments(dir);
  let head = { seq: 0, hash: GENESIS_HASH };
  let chain: string | undefined;
  let recovered: TornTailRecovery | undefined;
  let found = false;
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i];
    // Past the head's segment only a zero tail is looked for (a cheap check of the last byte).
    if (found && !(await endsInZero(seg.path))) continue;
    const tail = await readSegmentTail(seg.path);
    if (tail.end < tail.size) {
      await truncate(seg.path, tail.end);
      const fh = await openFile(seg.path, 'r+');
      await fh.sync();
      await fh.close();
    }
    if (tail.torn) {
      recovered ??= { segment: seg.name, offset: tail.torn.offset, droppedBytes: tail.torn.bytes, droppedSha256: tail.torn.sha256 };
      log.warn('audit: cut a torn last line', { segment: seg.name, bytes: tail.torn.bytes });
    }
    if (found) continue;
    if (tail.lastLine === undefined) {
      // Empty (or wholly torn) segment, left by a crash or a failed first write: drop it.
      await unlink(seg.path);
      continue;
    }
    let last: AuditRecord;
    try {
      last = JSON.parse(tail.lastLine) as AuditRecord;
    } catch {
      throw new Error(`audit log tail of ${seg.path} is not a record; refusing to continue the chain (run gatehouse audit verify)`);
    }
    // The next record's prev is this hash, hashed as 64 hex characters (record-chain.ts): a tail
    // whose hash is anything else cannot be continued from.
    if (!Number.isSafeInteger(last.seq) || typeof last.hash !== 'string' || !sha256Hex.test(last.hash)) throw new Error(`audit log tail of ${seg.path} is not a record`);
    head = { seq: last.seq, hash: last.hash };
    chain = last.chain;
    found = true;
  }
  return { head, chain, recovered };
}

async function endsInZero(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return false;
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    return b[0] === 0;
  } finally {
    await fh.close();
  }
}
