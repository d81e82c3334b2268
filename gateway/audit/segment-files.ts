import { createReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';

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
  /** False when the line's bytes are not valid UTF-8: `text` then holds U+FFFD in their place. */
  utf8: boolean;
}

/**
 * Reads a segment line by line from a byte offset (streaming: bounded memory).
 * `end` stops at that byte (the writer's durable size) so a reader never sees a half-written batch.
 *
 * The first NUL ends the data: the writer preallocates the active segment with zeros
 * (segment-space.ts) and records never contain a raw NUL. Bytes after the last newline before
 * it are a torn line, as is anything non-zero after it (pages of an unfinished batch that a
 * crash kept out of order): then the torn line runs from the logical end to the last such
 * byte, the same bytes start-up recovery cuts (segment-tail.ts).
 */
export async function* readSegmentLines(path: string, start = 0, end?: number): AsyncGenerator<LineRead> {
  if (end !== undefined && end <= start) return;
  const stream = createReadStream(path, { start, end: end === undefined ? undefined : end - 1, highWaterMark: 256 * 1024 });
  // The bytes of a line that runs over a chunk's end: decoded with the rest of it, once.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let offset = start;
  let line = 0;
  let pos = start;
  let nulAt = -1;
  let strayEnd = -1;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (nulAt !== -1) {
      const i = lastNonZero(chunk);
      if (i !== -1) strayEnd = pos + i + 1;
      pos += chunk.length;
      continue;
    }
    const z = chunk.indexOf(0);
    if (z !== -1) {
      nulAt = pos + z;
      const i = lastNonZero(chunk.subarray(z));
      if (i !== -1) strayEnd = nulAt + i + 1;
    }
    const data = z === -1 ? chunk : chunk.subarray(0, z);
    pos += chunk.length;
    let from = 0;
    for (;;) {
      const nl = data.indexOf(10, from);
      if (nl === -1) {
        if (from < data.length) carry.push(data.subarray(from));
        carryBytes += data.length - from;
        break;
      }
      const bytes = carryBytes ? Buffer.concat([...carry, data.subarray(from, nl)]) : data.subarray(from, nl);
      line++;
      yield { ...decode(bytes), line, offset, end: offset + bytes.length + 1, terminated: true };
      offset += bytes.length + 1;
      carry = [];
      carryBytes = 0;
      from = nl + 1;
    }
  }
  if (strayEnd !== -1) {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(strayEnd - offset);
      await fh.read(buf, 0, buf.length, offset);
      yield { ...decode(buf), line: line + 1, offset, end: strayEnd, terminated: false };
    } finally {
      await fh.close();
    }
    return;
  }
  if (carryBytes > 0) yield { ...decode(Buffer.concat(carry)), line: line + 1, offset, end: offset + carryBytes, terminated: false };
}

/** A line's text, and whether its bytes were valid UTF-8 (checked only when the text holds a U+FFFD: the rare case). */
function decode(bytes: Buffer): { text: string; utf8: boolean } {
  const text = bytes.toString('utf8');
  return { text, utf8: !text.includes('\uFFFD') || isUtf8(bytes) };
}

let zeroPage: Buffer | undefined;

/** Index of the last non-zero byte of `buf`, or -1 when it is all zeros (the common case: a memcmp). */
export function lastNonZero(buf: Buffer): number {
  zeroPage ??= Buffer.alloc(256 * 1024);
  let allZero = true;
  for (let o = 0; o < buf.length && allZero; o += zeroPage.length) {
    const part = buf.subarray(o, Math.min(buf.length, o + zeroPage.length));
    allZero = part.equals(zeroPage.subarray(0, part.length));
  }
  if (allZero) return -1;
  for (let i = buf.length - 1; i >= 0; i--) if (buf[i] !== 0) return i;
  return -1;
}
