import { CompactRange, recordLeaf } from '../core/audit/merkle';
import type { AuditRecord } from '../generated/audit-record';
import { listSegments, readSegmentLines } from './segment-files';

/** One line of the log with its seq (a segment's lines are consecutive seqs from the one in its name). */
export interface LogLine {
  seq: number;
  text: string;
  /** The record's hash: the last member of every line the writer writes. */
  hash: string;
}

/**
 * The log's lines from `fromSeq` on, in chain order, reading only the segments from the one that
 * holds it. Stops at a torn line or at `toSeq`.
 */
export async function* logLines(dir: string, fromSeq = 1, toSeq = Infinity): AsyncGenerator<LogLine> {
  const segments = await listSegments(dir);
  let i = segments.length - 1;
  while (i > 0 && segments[i].firstSeq > fromSeq) i--;
  for (; i < segments.length; i++) {
    let seq = segments[i].firstSeq;
    for await (const l of readSegmentLines(segments[i].path)) {
      if (!l.terminated || seq > toSeq) return;
      if (seq >= fromSeq) yield { seq, text: l.text, hash: l.text.slice(-66, -2) };
      seq++;
    }
  }
}

/** The Merkle leaves of records fromSeq..toSeq. */
export async function leavesBetween(dir: string, fromSeq: number, toSeq: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  if (toSeq < fromSeq) return out;
  for await (const l of logLines(dir, fromSeq, toSeq)) out.push(recordLeaf(l.hash));
  if (out.length !== toSeq - fromSeq + 1) throw new Error(`the audit log does not hold records ${fromSeq}..${toSeq}`);
  return out;
}

/**
 * The checkpoint record attesting seq `size` (it sits at seq size + 1) and the compact range its
 * frontier gives: the tree of `size` leaves without reading the records before it.
 */
export async function checkpointOfSize(dir: string, size: number): Promise<{ record: AuditRecord; range: CompactRange } | undefined> {
  for await (const l of logLines(dir, size + 1, size + 1)) {
    const record = JSON.parse(l.text) as AuditRecord;
    const c = record.checkpoint;
    if (record.kind !== 'checkpoint' || !c?.frontier || c.seq !== size) return undefined;
    return { record, range: CompactRange.fromHex(size, c.frontier) };
  }
  return undefined;
}
