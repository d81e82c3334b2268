import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export interface SegmentTail {
  size: number;
  /** The last complete line (without its newline), or undefined when the file has none. */
  lastLine?: string;
  /** Bytes after the last newline: a torn write. */
  torn?: { offset: number; bytes: number; sha256: string };
}

/** Reads a segment's end backwards until the last complete line is found (files can be large). */
export async function readSegmentTail(path: string): Promise<SegmentTail> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const chunk = 64 * 1024;
    let end = size;
    let tailBuf = Buffer.alloc(0);
    let lastNl = -1;
    // Find the last newline.
    while (end > 0 && lastNl === -1) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      tailBuf = Buffer.concat([buf, tailBuf]);
      const i = buf.lastIndexOf(10);
      if (i !== -1) lastNl = start + i;
      end = start;
    }
    const tailStart = size - tailBuf.length;
    const tornFrom = lastNl + 1;
    const torn = tornFrom < size
      ? { offset: tornFrom, bytes: size - tornFrom, sha256: createHash('sha256').update(tailBuf.subarray(tornFrom - tailStart)).digest('hex') }
      : undefined;
    if (lastNl === -1) return { size, torn };
    // Find the newline before it (start of the last complete line).
    let prevNl = lastNl - tailStart - 1 >= 0 ? tailBuf.lastIndexOf(10, lastNl - tailStart - 1) : -1;
    while (prevNl === -1 && end > 0) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      tailBuf = Buffer.concat([buf, tailBuf]);
      const i = buf.lastIndexOf(10);
      end = start;
      if (i !== -1) prevNl = i;
    }
    const base = size - tailBuf.length;
    const lineStart = prevNl === -1 ? 0 : prevNl + 1;
    const lastLine = tailBuf.subarray(lineStart, lastNl - base).toString('utf8');
    return { size, lastLine, torn };
  } finally {
    await fh.close();
  }
}
