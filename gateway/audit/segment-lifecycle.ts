import { fdatasync, ftruncate } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../log';
import { FdRetirement } from './fd-retirement';
import { segmentName } from './segment-files';
import { openSegmentForWrite, type Segment } from './segment-handle';

const fdatasyncP = promisify(fdatasync);
const ftruncateP = promisify(ftruncate);

/** The end of what is durable: readers (sinks, tail) never read past it. */
export interface DurablePosition {
  segment: string;
  size: number;
  seq: number;
}

export interface SegmentOptions {
  dir: string;
  log: Logger;
  segmentMaxBytes: number;
  segmentMaxAgeMs: number;
  /** Keep the active segment zero-filled ahead of the writes (segment-space.ts). */
  preallocate: boolean;
}

/**
 * The log writer's segments from open to seal: when a new one starts (by size and age), opening
 * one for writing (preallocated), sealing a finished one once nothing of it is pending (cut back
 * to its logical length, fd closed after its last fdatasync), and voiding the unsettled part of
 * segments after a failed write.
 */
export class SegmentLifecycle {
  active?: Segment;
  previous?: Segment;
  private readonly fds: FdRetirement;
  private preallocWarned = false;

  /** `pending(seg)`: records of `seg` are queued or in flight (its fd must stay open). */
  constructor(private readonly o: SegmentOptions, private readonly pending: (seg: Segment) => boolean) {
    this.fds = new FdRetirement((err) => o.log.warn('audit: could not cut a finished segment to its length (readers stop at its zeros; the next start cuts it)', { code: err.code, message: err.message }));
  }

  /**
   * Starts a new segment, beginning at `firstSeq`, when there is none yet or the active one is
   * full or old; returns it (its first record must be a checkpoint), or undefined.
   */
  rotateIfDue(now: number, firstSeq: number): Segment | undefined {
    const a = this.active;
    if (a && a.assigned < this.o.segmentMaxBytes && now - a.openedAt < this.o.segmentMaxAgeMs) return undefined;
    const name = segmentName(firstSeq);
    if (a) {
      this.previous = a;
      // The finished segment's fd: closed now if nothing of it is pending, else once its last unit settles.
      if (a.fd !== undefined && !this.pending(a)) this.seal(a);
    }
    this.active = { name, path: join(this.o.dir, name), firstSeq, openedAt: now, assigned: 0, durable: 0, written: 0, dirty: false };
    return this.active;
  }

  /** Opens `seg` for writing at its durable end (first write, or after a failure). */
  open(seg: Segment): Promise<number> {
    return openSegmentForWrite(seg, { dir: this.o.dir, preallocate: this.o.preallocate, maxBytes: this.o.segmentMaxBytes }, (err) => {
      // Once per process: while the disk is full every reopen of a segment retries it.
      const fields = { segment: seg.name, code: err.code, message: err.message };
      if (this.preallocWarned) return this.o.log.debug('audit: cannot preallocate the segment', fields);
      this.preallocWarned = true;
      this.o.log.warn('audit: cannot preallocate the segment; appending without it', fields);
    });
  }

  syncStarted(fd: number): void {
    this.fds.syncStarted(fd);
  }

  syncEnded(fd: number): void {
    this.fds.syncEnded(fd);
  }

  /** A unit of `seg` settled: seals it when it is finished and nothing of it is pending. */
  settled(seg: Segment): void {
    if (seg !== this.active && seg.fd !== undefined && !this.pending(seg)) this.seal(seg);
  }

  /**
   * A write or sync failed: the unsettled part of `segs` is void. Each is reopened and cut back
   * to its durable length before its next write; a new segment whose checkpoint never reached
   * the disk is started again on the next append.
   */
  voidUnsettled(segs: Iterable<Segment>): void {
    for (const seg of segs) {
      seg.dirty = true;
      seg.assigned = seg.durable;
      // No more fills; the reopen waits for one in flight before it cuts the file back.
      void seg.space?.close();
      if (seg.fd !== undefined) {
        this.fds.retire(seg.fd);
        seg.fd = undefined;
      }
    }
    if (this.active && this.active.durable === 0) {
      this.active = this.previous && this.previous.durable > 0 ? this.previous : undefined;
      if (this.active) this.active.assigned = Math.max(this.active.assigned, this.o.segmentMaxBytes);
    }
  }

  /** Where the durable log ends (`seq`: the last durable record). */
  position(seq: number): DurablePosition {
    const seg = this.active && this.active.durable > 0 ? this.active : this.previous;
    return { segment: seg?.name ?? '', size: seg?.durable ?? 0, seq };
  }

  /** Seals both open segments (nothing may be pending) and waits for their fds to close. */
  async close(): Promise<void> {
    // (A segment with an fd is never dirty: a failure retires the fd.)
    for (const seg of [this.previous, this.active]) {
      if (seg?.fd !== undefined) this.seal(seg);
      await seg?.space?.close();
    }
    await this.fds.idle();
  }

  /**
   * A segment is finished (rotated, or the log closes) and all of it is durable: cuts its
   * preallocated zeros off, so a finished segment is byte for byte what plain appends made.
   */
  private seal(seg: Segment): void {
    const fd = seg.fd!;
    const space = seg.space;
    const length = seg.durable;
    seg.fd = undefined;
    seg.space = undefined;
    this.fds.retire(fd, space && (async () => {
      await space.close();
      if (!space.extendsPast(length)) return;
      await ftruncateP(fd, length);
      await fdatasyncP(fd);
    }));
  }
}
