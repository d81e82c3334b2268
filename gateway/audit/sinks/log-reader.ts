import type { AuditRecord } from '../../generated/audit-record';
import type { DurablePosition } from '../log-writer';
import { listSegments, readSegmentLines } from '../segment-files';

/** Where a sink is in the log: the next byte to read, and the seq of the last record delivered. */
export interface SinkCursor {
  segment: string;
  offset: number;
  seq: number;
}

export interface LogBatch {
  records: AuditRecord[];
  /** The stored lines, byte for byte (hash included), without newlines. */
  lines: string[];
  next: SinkCursor;
  /** Segments skipped because retention removed them before the sink read them. */
  skipped?: string[];
}

/**
 * Reads the durable part of the log from a cursor, at most `max` records, across segments.
 * Never reads past the writer's durable position, so a sink never sends a record that a crash
 * could still take back.
 */
export async function readFromCursor(dir: string, cursor: SinkCursor | undefined, max: number, durable: DurablePosition): Promise<LogBatch> {
  const segments = await listSegments(dir);
  const records: AuditRecord[] = [];
  const lines: string[] = [];
  let next: SinkCursor = cursor ?? { segment: segments[0]?.name ?? '', offset: 0, seq: 0 };
  let i = segments.findIndex((s) => s.name >= next.segment);
  let skipped: string[] | undefined;
  if (i === -1) return { records, lines, next };
  if (segments[i].name !== next.segment && cursor) {
    skipped = [cursor.segment];
    next = { segment: segments[i].name, offset: 0, seq: next.seq };
  }
  for (; i < segments.length && records.length < max; i++) {
    const seg = segments[i];
    if (durable.segment && seg.name > durable.segment) break;
    const end = seg.name === durable.segment ? durable.size : undefined;
    const start = seg.name === next.segment ? next.offset : 0;
    let offset = start;
    for await (const l of readSegmentLines(seg.path, start, end)) {
      if (!l.terminated) break;
      const record = JSON.parse(l.text) as AuditRecord;
      records.push(record);
      lines.push(l.text);
      offset = l.end;
      next = { segment: seg.name, offset, seq: record.seq };
      if (records.length >= max) break;
    }
    if (records.length >= max || seg.name === durable.segment) break;
    // Finished this segment: continue in the next one.
    if (i + 1 < segments.length) next = { segment: segments[i + 1].name, offset: 0, seq: next.seq };
  }
  return { records, lines, next, skipped };
}
