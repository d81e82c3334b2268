import { fdatasync } from 'node:fs';
import type { CompactRange } from '../core/audit/merkle';
import type { AuditRecord } from '../generated/audit-record';
import type { ChainedRecord } from './record-chain';
import { writeFully, type Segment } from './segment-handle';
import type { SegmentLifecycle } from './segment-lifecycle';

/** A chained record waiting to be written to its segment, and whoever waits for it. */
export interface Pending extends ChainedRecord {
  segment: Segment;
  resolve?: (r: AuditRecord) => void;
  reject?: (e: Error) => void;
}

/** One write of consecutive records to one segment, waiting for its fdatasync. */
export interface Unit {
  /** The failure generation it was written in: a failure voids every unit of older generations. */
  gen: number;
  segment: Segment;
  fd: number;
  run: Pending[];
  bytes: number;
  /** Durable: its own fdatasync, or a later one on the same fd, has returned. */
  done: boolean;
  /** The Merkle tree after its last record, when that was the tree's head at write time (the common case). */
  tree?: CompactRange;
}

export interface WriterStats {
  records: number;
  batches: number;
  syncs: number;
  bytes: number;
  failures: number;
}

export interface GroupCommitHooks {
  /** The Merkle tree at the chain's head (a copy): taken when a batch holds everything chained. */
  headTree(): CompactRange | undefined;
  /** A unit is durable (called in chain order; its segment's `durable` already counts it). */
  settled(unit: Unit): void;
  /** A write or sync failed: `rejected` is everything unsettled, in chain order; `first` after a success. */
  failed(rejected: Pending[], err: Error, first: boolean): void;
  /** A sync succeeded after a failure. */
  recovered(): void;
}

/**
 * fdatasyncs in flight at once. Two pipeline the log: a record arriving while a sync is in flight
 * is written at once and gets its own sync started, instead of waiting for the one in flight to
 * return first (which roughly doubled the latency a lone request saw). More would split batches
 * without shortening anyone's wait.
 */
const maxSyncsInFlight = 2;

/**
 * Group commit: records are queued in chain order and written by one flush loop; everything
 * queued while a write + fdatasync is in flight goes out in the next batch as one write and one
 * fdatasync per segment touched. Units settle in chain order once durable. A failed write or
 * sync voids every unsettled unit and the queue behind it (the hooks roll the chain back).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  /** Written units whose records are not settled yet, in chain order. */
  private inflight: Unit[] = [];
  private syncing = 0;
  private scheduled = false;
  /** The flush waits for a segment to open or for a fill in flight where its records go. */
  private waiting = false;
  private gen = 0;
  private failing = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly segments: SegmentLifecycle,
    private readonly delayMs: number,
    private readonly stats: WriterStats,
    private readonly hooks: GroupCommitHooks,
  ) {}

  push(p: Pending): void {
    this.queue.push(p);
  }

  /** Records of `seg` are queued or in flight. */
  holds(seg: Segment): boolean {
    return this.inflight.some((u) => u.segment === seg) || this.queue.some((p) => p.segment === seg);
  }

  /** Resolves once nothing is queued, written or syncing. */
  drained(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  kick(): void {
    if (this.scheduled || this.waiting || this.queue.length === 0 || this.syncing >= maxSyncsInFlight) return;
    this.scheduled = true;
    // setImmediate lets every append issued in this turn of the event loop join the batch.
    if (this.delayMs > 0) setTimeout(() => this.flush(), this.delayMs);
    else setImmediate(() => this.flush());
  }

  private get busy(): boolean {
    return this.scheduled || this.waiting || this.queue.length > 0 || this.inflight.length > 0;
  }

  private checkIdle(): void {
    if (!this.busy) for (const resolve of this.idle.splice(0)) resolve();
  }

  /**
   * Writes what is queued (a synchronous write: it only copies to the page cache) and starts one
   * fdatasync per segment touched on the libuv pool, so each batch costs one threadpool hop.
   */
  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0 && this.syncing < maxSyncsInFlight) {
      const seg = this.queue[0].segment;
      if (seg.fd === undefined || seg.dirty) {
        void this.openThenFlush(seg);
        return;
      }
      let j = 0;
      let bytes = 0;
      const q = this.queue;
      while (j < q.length && q[j].segment === seg) bytes += q[j++].bytes;
      if (seg.space && !seg.space.writable(seg.written + bytes)) {
        // Records caught up with the fill in flight: writing now could land under its zeros.
        void this.waitThenFlush(seg.space.settled());
        return;
      }
      const run = j === q.length ? q : q.slice(0, j);
      this.queue = j === q.length ? [] : q.slice(j);
      try {
        // The lines as they were encoded and hashed: one write of them all.
        writeFully(seg.fd, j === 1 ? q[0].data : Buffer.concat(run.map((p) => p.data), bytes), seg.written);
      } catch (err) {
        this.fail(run, err as Error);
        return;
      }
      seg.written += bytes;
      seg.space?.wrote(seg.written);
      // Everything chained is in this run: the tree's head is its tree (one copy per batch, not a push per record).
      const tree = this.queue.length === 0 ? this.hooks.headTree() : undefined;
      this.startSync({ gen: this.gen, segment: seg, fd: seg.fd, run, bytes, done: false, tree });
    }
    this.checkIdle();
  }

  private async openThenFlush(seg: Segment): Promise<void> {
    this.waiting = true;
    try {
      await this.segments.open(seg);
    } catch (err) {
      this.waiting = false;
      this.fail([], err as Error);
      return;
    }
    this.waiting = false;
    this.flush();
  }

  private async waitThenFlush(fill: Promise<void>): Promise<void> {
    this.waiting = true;
    await fill;
    this.waiting = false;
    this.flush();
  }

  private startSync(unit: Unit): void {
    this.inflight.push(unit);
    this.syncing++;
    const fd = unit.fd;
    this.segments.syncStarted(fd);
    fdatasync(fd, (err) => {
      this.syncing--;
      this.segments.syncEnded(fd);
      if (unit.gen !== this.gen) {
        // Voided by a failure while it was in flight.
        this.kick();
        this.checkIdle();
        return;
      }
      if (err) {
        this.fail([], err);
        return;
      }
      this.stats.syncs++;
      this.stats.batches++;
      this.synced(unit);
      if (this.failing) {
        this.failing = false;
        this.hooks.recovered();
      }
      this.kick();
      this.checkIdle();
    });
  }

  /** A sync returned: everything written to that fd before it is durable; settles the durable prefix in chain order. */
  private synced(unit: Unit): void {
    for (const u of this.inflight) {
      if (u.fd === unit.fd) u.done = true;
      if (u === unit) break;
    }
    let n = 0;
    while (n < this.inflight.length && this.inflight[n].done) n++;
    if (n === 0) return;
    for (const u of this.inflight.splice(0, n)) {
      u.segment.durable += u.bytes;
      this.stats.bytes += u.bytes;
      this.stats.records += u.run.length;
      this.hooks.settled(u);
    }
  }

  private fail(unwritten: Pending[], err: Error): void {
    this.stats.failures++;
    // Units in flight are void too: their bytes may sit after the failed ones, and a sync after a
    // failed one may report success for pages the kernel dropped. Everything unsettled is rejected.
    this.gen++;
    const rejected = this.inflight.flatMap((u) => u.run).concat(unwritten, this.queue);
    this.inflight = [];
    this.queue = [];
    const first = !this.failing;
    this.failing = true;
    this.hooks.failed(rejected, err, first);
    this.checkIdle();
  }
}
