import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { lastNonZero } from './segment-files';

export interface SegmentTail {
  size: number;
  /** The logical end: just past the last complete line. Anything after it is a torn line or preallocated zeros. */
  end: number;
  /** The last complete line (without its newline), or undefined when the file has none. */
  lastLine?: string;
  /**
   * Bytes after the last complete line that are not zero padding: a torn write. With a zero tail
   * (a preallocated segment) they run to the last non-zero byte, so pages of an unfinished batch
   * that a crash kept out of order are counted too.
   */
  torn?: { offset: number; bytes: number; sha256: string };
}

const chunk = 64 * 1024;

/**
 * Reads a segment's end backwards until the last complete line is found (files can be large).
 * A segment ending in zeros (preallocated, not cut back: a crash) ends at its first NUL, found by
 * a forward scan: only a crash pays for it.
 */
export async function readSegmentTail(path: string): Promise<SegmentTail> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return { size, end: 0 };
    const last = await readAt(fh, size - 1, 1);
    const dataEnd = last[0] === 0 ? await firstNul(fh, size) : size;
    const tornEnd = last[0] === 0 ? Math.max(dataEnd, await lastDataEnd(fh, dataEnd, size)) : size;

    // The last newline before dataEnd, and the one before it (start of the last complete line).
    let lastNl = -1;
    let prevNl = -1;
    for (let end = dataEnd; end > 0 && prevNl === -1; ) {
      const start = Math.max(0, end - chunk);
      const buf = await readAt(fh, start, end - start);
      let i = buf.length;
      while (prevNl === -1 && (i = i > 0 ? buf.lastIndexOf(10, i - 1) : -1) !== -1) {
        if (lastNl === -1) lastNl = start + i;
        else prevNl = start + i;
      }
      end = start;
    }
    const logicalEnd = lastNl + 1;
    const torn = logicalEnd < tornEnd
      ? { offset: logicalEnd, bytes: tornEnd - logicalEnd, sha256: createHash('sha256').update(await readAt(fh, logicalEnd, tornEnd - logicalEnd)).digest('hex') }
      : undefined;
    if (lastNl === -1) return { size, end: 0, torn };
    const lastLine = (await readAt(fh, prevNl + 1, lastNl - prevNl - 1)).toString('utf8');
    return { size, end: logicalEnd, lastLine, torn };
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let n = 0;
  while (n < length) {
    const { bytesRead } = await fh.read(buf, n, length - n, position + n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return n === length ? buf : buf.subarray(0, n);
}

/** Offset of the first NUL (the file is known to end in one). */
async function firstNul(fh: FileHandle, size: number): Promise<number> {
  const step = 1024 * 1024;
  for (let pos = 0; pos < size; pos += step) {
    const i = (await readAt(fh, pos, Math.min(step, size - pos))).indexOf(0);
    if (i !== -1) return pos + i;
  }
  return size;
}

/** Just past the last non-zero byte in [from, size), or `from` when it is all zeros. */
async function lastDataEnd(fh: FileHandle, from: number, size: number): Promise<number> {
  for (let end = size; end > from; ) {
    const start = Math.max(from, end - chunk);
    const i = lastNonZero(await readAt(fh, start, end - start));
    if (i !== -1) return start + i + 1;
    end = start;
  }
  return from;
}
