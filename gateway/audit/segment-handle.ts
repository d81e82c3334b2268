import { close, constants, fsync, fstat, ftruncate, open, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { SegmentSpace } from './segment-space';

const openP = promisify(open);
const fsyncP = promisify(fsync);
const ftruncateP = promisify(ftruncate);
const fstatP = promisify(fstat);
const closeP = promisify(close);

/** A segment file as the log writer tracks it (log-writer.ts). */
export interface Segment {
  name: string;
  path: string;
  firstSeq: number;
  openedAt: number;
  fd?: number;
  /** Bytes queued for this segment, durable or not (drives rotation). */
  assigned: number;
  /** Bytes known to be on disk. */
  durable: number;
  /** Bytes written: where the next write goes (the file may extend past it with preallocated zeros). */
  written: number;
  space?: SegmentSpace;
  /** A write failed: reopen and cut back to `durable` before the next write. */
  dirty: boolean;
}

/**
 * (Re)opens a segment for positioned writes at its durable end: cuts off bytes past it (a failed
 * write's partial batch), refuses a file that shrank under the writer, makes a new file's
 * directory entry durable, and starts keeping it preallocated (segment-space.ts).
 */
export async function openSegmentForWrite(seg: Segment, o: { dir: string; preallocate: boolean; maxBytes: number }, onPreallocError: (err: NodeJS.ErrnoException) => void): Promise<number> {
  if (seg.fd !== undefined && !seg.dirty) return seg.fd;
  // A fill still running from before a failure must not write its zeros over what follows.
  await seg.space?.close();
  seg.space = undefined;
  // Not O_APPEND: records go at the logical end with positioned writes (Linux would append them).
  const fd = await openP(seg.path, constants.O_WRONLY | constants.O_CREAT, 0o640);
  try {
    const { size } = await fstatP(fd);
    if (size > seg.durable) await ftruncateP(fd, seg.durable);
    if (size < seg.durable) throw new Error(`audit segment ${seg.name} shrank under the writer (${size} < ${seg.durable} bytes)`);
    if (seg.durable === 0) await syncDir(o.dir);
    if (o.preallocate) seg.space = await SegmentSpace.open(seg.path, seg.durable, o.maxBytes, onPreallocError);
  } catch (err) {
    close(fd, () => undefined);
    throw err;
  }
  seg.fd = fd;
  seg.written = seg.durable;
  seg.dirty = false;
  return fd;
}

/** Makes a new segment's directory entry durable. */
async function syncDir(dir: string): Promise<void> {
  const fd = await openP(dir, 'r');
  try {
    await fsyncP(fd);
  } finally {
    await closeP(fd);
  }
}

/** Writes all of `data` at `position`. */
export function writeFully(fd: number, data: Buffer, position: number): void {
  // A short write is rare on a regular file: finish it.
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off, position + off);
}
