import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/**
 * Segment files: `audit-<first seq, 20 digits>.jsonl`, so names sort in chain order and a
 * segment's first seq is known without reading it.
 */
const segmentPattern = /^audit-(\d{20})\.jsonl$/;

export function segmentName(firstSeq: number): string {
  return `audit-${String(firstSeq).padStart(20, '0')}.jsonl`;
}

export interface SegmentInfo {
  name: string;
  path: string;
  firstSeq: number;
}

/** The segments of an audit directory, oldest first. A missing directory has none. */
export async function listSegments(dir: string): Promise<SegmentInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .map((name) => ({ name, m: segmentPattern.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(({ name, m }) => ({ name, path: join(dir, name), firstSeq: Number(m[1]) }));
}

export interface LineRead {
  text: string;
  /** 1-based line number in the file. */
  line: number;
  /** Byte offset of the line's start. */
  offset: number;
  /** Byte offset just past the line's newline: where the next line starts. */
  end: number;
  /** False for a last line without its newline (torn). */
  terminated: boolean;
}

/**
 * Reads a segment line by line from a byte offset (streaming: bounded memory).
 * `end` stops at that byte (the writer's durable size) so a reader never sees a half-written batch.
 */
export async function* readSegmentLines(path: string, start = 0, end?: number): AsyncGenerator<LineRead> {
  if (end !== undefined && end <= start) return;
  const stream = createReadStream(path, { start, end: end === undefined ? undefined : end - 1, highWaterMark: 256 * 1024 });
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let carryBytes = 0;
  let offset = start;
  let line = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(10, from);
      if (nl === -1) {
        carry += decoder.write(chunk.subarray(from));
        carryBytes += chunk.length - from;
        break;
      }
      const text = carry + decoder.write(chunk.subarray(from, nl)) + decoder.end();
      const bytes = carryBytes + nl - from;
      line++;
      yield { text, line, offset, end: offset + bytes + 1, terminated: true };
      offset += bytes + 1;
      carry = '';
      carryBytes = 0;
      from = nl + 1;
    }
  }
  const rest = carry + decoder.end();
  if (carryBytes > 0) yield { text: rest, line: line + 1, offset, end: offset + carryBytes, terminated: false };
}
