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
 */
export async function recoverChainHead(dir: string, log: Logger): Promise<{ head: { seq: number; hash: string }; chain?: string; recovered?: TornTailRecovery }> {
  await mkdir(dir, { recursive: true });
  const segments = await listSegments(dir);
  let head = { seq: 0, hash: GENESIS_HASH };
  let chain: string | undefined;
  let recovered: TornTailRecovery | undefined;
  for (let i = segments.length - 1; i >= 0; i--) {
    const seg = segments[i];
    const tail = await readSegmentTail(seg.path);
    if (tail.torn) {
      await truncate(seg.path, tail.torn.offset);
      const fh = await openFile(seg.path, 'r+');
      await fh.sync();
      await fh.close();
      recovered ??= { segment: seg.name, offset: tail.torn.offset, droppedBytes: tail.torn.bytes, droppedSha256: tail.torn.sha256 };
      log.warn('audit: cut a torn last line', { segment: seg.name, bytes: tail.torn.bytes });
    }
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
    if (!Number.isSafeInteger(last.seq) || typeof last.hash !== 'string') throw new Error(`audit log tail of ${seg.path} is not a record`);
    head = { seq: last.seq, hash: last.hash };
    chain = last.chain;
    break;
  }
  return { head, chain, recovered };
}
