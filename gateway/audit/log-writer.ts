import { randomUUID } from 'node:crypto';
import { fdatasync, ftruncate } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, toIJson } from '../core/audit/canonical-json';
import { hashCanonical, serializeRecord } from '../core/audit/hash-record';
import type { AnchorFile, PublicKeyJwk } from '../core/audit/checkpoint';
import { CompactRange, recordLeaf } from '../core/audit/merkle';
import type { AuditRecord } from '../generated/audit-record';
import type { Logger } from '../log';
import { checkpointFields } from './checkpoint-record';
import { FdRetirement } from './fd-retirement';
import { recordId } from './record-id';
import { recoverChainHead, type TornTailRecovery } from './recover-chain-head';
import { assertSigningKey, recoverTree } from './recover-tree';
import { segmentName } from './segment-files';
import { openSegmentForWrite, writeFully, type Segment } from './segment-handle';
import type { SigningKey } from './signing-key';

const fdatasyncP = promisify(fdatasync);
const ftruncateP = promisify(ftruncate);

let lastMs = -1;
let lastIso = '';
/** toISOString, cached per millisecond: many records share one. */
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export interface LogWriterOptions {
  /** The audit directory (`<dataDir>/audit`). */
  dir: string;
  chainId?: string;
  /** The chain id to start a new chain with (no chainId given, no records yet). Default: a random UUID. */
  newChainId?: string;
  key: SigningKey;
  log: Logger;
  segmentMaxBytes: number;
  segmentMaxAgeMs: number;
  checkpointEveryRecords: number;
  /** A checkpoint at most this long after the first record it has to cover (the tail a crash leaves unattested). */
  checkpointMaxMs?: number;
  groupCommitMaxDelayMs: number;
  /** Keep the active segment zero-filled ahead of the writes (segment-space.ts). Default true. */
  preallocate?: boolean;
  /** After every durable batch, in chain order; `leaves` are the records' Merkle leaf hashes (core/audit/merkle.ts). */
  onDurable?: (records: AuditRecord[], position: DurablePosition, leaves: Buffer[]) => void;
  /** After a checkpoint is durable: the new anchor. */
  onCheckpoint?: (anchor: AnchorFile) => void;
  /** A write or sync failed (first failure after success). */
  onFailure?: (err: Error) => void;
  /** Writes succeed again after a failure. */
  onRecovered?: () => void;
}

/** The end of what is durable: readers (sinks, tail) never read past it. */
export interface DurablePosition {
  segment: string;
  size: number;
  seq: number;
}

/** Fields a caller gives; the writer adds id (unless given), seq, prev, hash, chain and time (unless given). */
export type RecordFields = Omit<AuditRecord, 'seq' | 'prev' | 'hash' | 'chain' | 'id' | 'time'> & { id?: string; time?: string };

interface Pending {
  line: string;
  /** The record's Merkle leaf hash. */
  leaf: Buffer;
  /** Buffer.byteLength(line). */
  bytes: number;
  record: AuditRecord;
  segment: Segment;
  resolve?: (r: AuditRecord) => void;
  reject?: (e: Error) => void;
}

/** One write of consecutive records to one segment, waiting for its fdatasync. */
interface Unit {
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

/**
 * fdatasyncs in flight at once. Two pipeline the log: a record arriving while a sync is in flight
 * is written at once and gets its own sync started, instead of waiting for the one in flight to
 * return first (which roughly doubled the latency a lone request saw). More would split batches
 * without shortening anyone's wait.
 */
const maxSyncsInFlight = 2;

export interface WriterStats {
  records: number;
  batches: number;
  syncs: number;
  bytes: number;
  failures: number;
}

/**
 * The append-only, hash-chained log with group commit.
 *
 * Records are chained synchronously in append order (seq, prev, hash), queued, and written by
 * one flush loop: everything queued while a write + fdatasync is in flight goes out in the next
 * batch as one write and one fdatasync per segment touched. `append()` resolves once its batch is
 * durable. Segments rotate by size and age; each starts with a signed checkpoint attesting the
 * chain head before it, so the log verifies from any kept segment after retention.
 *
 * A failed write or sync rejects its batch and everything queued behind it, rolls the chain
 * head back to the last durable record, and the next batch reopens the segment and cuts any
 * partial bytes off first: the chain on disk never has a hole.
 *
 * The active segment is preallocated with zeros ahead of the writes (segment-space.ts: this
 * roughly halves the cost of each fdatasync); records are written at the logical end with
 * positioned writes, and a finished segment is cut back to its logical length.
 */
export class AuditLogWriter {
  readonly chain: string;
  readonly stats: WriterStats = { records: 0, batches: 0, syncs: 0, bytes: 0, failures: 0 };
  private head: { seq: number; hash: string };
  private durableHead: { seq: number; hash: string };
  private active?: Segment;
  private previous?: Segment;
  private queue: Pending[] = [];
  /** Written units whose records are not settled yet, in chain order. */
  private inflight: Unit[] = [];
  private syncing = 0;
  private scheduled = false;
  /** The flush waits for a segment to open or for a fill in flight where its records go. */
  private waiting = false;
  private gen = 0;
  private readonly fds: FdRetirement;
  private failing = false;
  private closed = false;
  private sinceCheckpoint = 0;
  private preallocWarned = false;
  private idle: (() => void)[] = [];
  /** The Merkle tree over every record chained (head) and over the durable ones: a failure rolls back to it. */
  private tree?: CompactRange;
  private durableTree?: CompactRange;
  private key: SigningKey;
  private checkpointTimer?: NodeJS.Timeout;

  private constructor(private readonly o: LogWriterOptions, head: { seq: number; hash: string }, chain: string, tree: CompactRange | undefined) {
    this.head = { ...head };
    this.durableHead = { ...head };
    this.chain = chain;
    this.key = o.key;
    this.tree = tree;
    this.durableTree = tree?.clone();
    this.fds = new FdRetirement((err) => o.log.warn('audit: could not cut a finished segment to its length (readers stop at its zeros; the next start cuts it)', { code: err.code, message: err.message }));
  }

  /**
   * Opens the log: recovers the chain head from the last segment, cutting off a torn last line
   * (reported by `recovered`, which the caller writes as a `recovery` record).
   */
  static async open(o: LogWriterOptions): Promise<{ writer: AuditLogWriter; recovered?: TornTailRecovery }> {
    const { head, chain, recovered } = await recoverChainHead(o.dir, o.log);
    const { tree, signer } = await recoverTree(o.dir, head, o.log);
    assertSigningKey(signer, o.key.kid);
    const writer = new AuditLogWriter(o, head, o.chainId ?? chain ?? o.newChainId ?? randomUUID(), tree);
    return { writer, recovered };
  }

  /** Chains the record now and resolves once it is durable. */
  append(fields: RecordFields): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new Error('audit log is closed'));
    return new Promise((resolve, reject) => {
      const now = Date.now();
      this.ensureSegment(now);
      this.enqueue(this.chainRecord(fields, now), resolve, reject);
      if (fields.kind !== 'checkpoint' && ++this.sinceCheckpoint >= this.o.checkpointEveryRecords) this.enqueueCheckpoint(now);
      else if (this.sinceCheckpoint > 0) this.armCheckpointTimer();
      this.kick();
    });
  }

  /** Appends a signed checkpoint of the current head (also done every N records, T seconds and on each new segment). */
  checkpoint(): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new Error('audit log is closed'));
    return new Promise((resolve, reject) => {
      const now = Date.now();
      if (!this.ensureSegment(now)) this.enqueueCheckpoint(now, resolve, reject);
      else this.queue[this.queue.length - 1].resolve = resolve, this.queue[this.queue.length - 1].reject = reject;
      this.kick();
    });
  }

  /**
   * Hands the checkpoints over to `next`: a checkpoint signed by the current key that names the
   * new public key, then one signed by the new key. Resolves with the second once durable.
   */
  rotateKey(next: SigningKey): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new Error('audit log is closed'));
    const handOver = new Promise<AuditRecord>((resolve, reject) => {
      const now = Date.now();
      this.ensureSegment(now);
      const jwk = next.publicJwk as PublicKeyJwk;
      this.enqueueCheckpoint(now, resolve, reject, { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: next.kid });
      this.key = next;
      this.kick();
    });
    return handOver.then(() => this.checkpoint());
  }

  /** The Merkle tree over the durable records (a copy), when the log has one. */
  durableRange(): CompactRange | undefined {
    return this.durableTree?.clone();
  }

  /** The first record after a checkpoint starts the clock: the next checkpoint follows within checkpointMaxMs. */
  private armCheckpointTimer(): void {
    const ms = this.o.checkpointMaxMs;
    if (this.checkpointTimer || ms === undefined) return;
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      if (this.sinceCheckpoint > 0 && !this.closed) this.checkpoint().catch(() => undefined);
    }, ms);
    this.checkpointTimer.unref();
  }

  /** Records appended since the last checkpoint. */
  get uncheckpointed(): number {
    return this.sinceCheckpoint;
  }

  /** The kid of the key that signs the next checkpoint. */
  get signingKid(): string {
    return this.key.kid;
  }

  get headSeq(): number {
    return this.head.seq;
  }

  /** Where the next new segment will be written: tests use it to stage disk failures. */
  nextSegmentPath(): string {
    return join(this.o.dir, segmentName(this.head.seq + 1));
  }

  durablePosition(): DurablePosition {
    const seg = this.active && this.active.durable > 0 ? this.active : this.previous;
    return { segment: seg?.name ?? '', size: seg?.durable ?? 0, seq: this.durableHead.seq };
  }

  /** Writes a final checkpoint, waits for the queue to drain, cuts the segments back to their length and closes them. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.sinceCheckpoint > 0) await this.checkpoint().catch(() => undefined);
    this.closed = true;
    clearTimeout(this.checkpointTimer);
    await this.drained();
    // (A segment with an fd is never dirty: a failure retires the fd.)
    for (const seg of [this.previous, this.active]) {
      if (seg?.fd !== undefined) this.seal(seg);
      await seg?.space?.close();
    }
    await this.fds.idle();
  }

  private get busy(): boolean {
    return this.scheduled || this.waiting || this.queue.length > 0 || this.inflight.length > 0;
  }

  private drained(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private checkIdle(): void {
    if (!this.busy) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Starts a new segment (with its checkpoint) when there is none yet or the active one is full or old. Returns true when it did. */
  private ensureSegment(now: number): boolean {
    const a = this.active;
    if (a && a.assigned < this.o.segmentMaxBytes && now - a.openedAt < this.o.segmentMaxAgeMs) return false;
    const firstSeq = this.head.seq + 1;
    const name = segmentName(firstSeq);
    if (a) {
      this.previous = a;
      // The finished segment's fd: closed now if nothing of it is pending, else once its last unit settles.
      if (a.fd !== undefined && !this.inflight.some((u) => u.segment === a) && !this.queue.some((p) => p.segment === a)) this.seal(a);
    }
    this.active = { name, path: join(this.o.dir, name), firstSeq, openedAt: now, assigned: 0, durable: 0, written: 0, dirty: false };
    this.enqueueCheckpoint(now);
    return true;
  }

  private enqueueCheckpoint(now: number, resolve?: (r: AuditRecord) => void, reject?: (e: Error) => void, next?: PublicKeyJwk): void {
    const fields = checkpointFields(this.chain, this.head, this.tree, this.key, new Date(now).toISOString(), next);
    this.enqueue(this.chainRecord(fields, now), resolve, reject);
    this.sinceCheckpoint = 0;
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
  }

  private chainRecord(fields: RecordFields, now: number): AuditRecord {
    // Object.assign, not a spread: V8 spreads a record-sized literal on a slow path (≈ 8 µs against 0.3 µs).
    let record = Object.assign({}, fields) as AuditRecord;
    record.id = fields.id ?? recordId(now);
    record.seq = this.head.seq + 1;
    record.prev = this.head.hash;
    record.chain = this.chain;
    record.time = fields.time ?? isoTime(now);
    let canonical: string;
    try {
      canonical = canonicalJson(record);
    } catch {
      // Lone surrogates or non-finite numbers from a client's body: store the I-JSON form.
      record = toIJson(record) as AuditRecord;
      canonical = canonicalJson(record);
    }
    record.hash = hashCanonical(record.prev, canonical);
    this.head = { seq: record.seq, hash: record.hash };
    const leaf = recordLeaf(record.hash);
    this.tree?.push(leaf);
    Object.assign(record as unknown as Carrier, { line: serializeRecord(canonical, record.hash) + '\n', leaf });
    return record;
  }

  private enqueue(record: AuditRecord, resolve?: (r: AuditRecord) => void, reject?: (e: Error) => void): void {
    const { line, leaf } = record as unknown as Carrier;
    delete (record as Partial<Carrier>).line;
    delete (record as Partial<Carrier>).leaf;
    const segment = this.active!;
    const bytes = Buffer.byteLength(line);
    segment.assigned += bytes;
    this.queue.push({ line, leaf, bytes, record, segment, resolve, reject });
  }

  private kick(): void {
    if (this.scheduled || this.waiting || this.queue.length === 0 || this.syncing >= maxSyncsInFlight) return;
    this.scheduled = true;
    const delay = this.o.groupCommitMaxDelayMs;
    // setImmediate lets every append issued in this turn of the event loop join the batch.
    if (delay > 0) setTimeout(() => this.flush(), delay);
    else setImmediate(() => this.flush());
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
      let text = '';
      const q = this.queue;
      while (j < q.length && q[j].segment === seg) {
        bytes += q[j].bytes;
        text += q[j++].line;
      }
      if (seg.space && !seg.space.writable(seg.written + bytes)) {
        // Records caught up with the fill in flight: writing now could land under its zeros.
        void this.waitThenFlush(seg.space.settled());
        return;
      }
      const run = j === q.length ? q : q.slice(0, j);
      this.queue = j === q.length ? [] : q.slice(j);
      try {
        writeFully(seg.fd, text, bytes, seg.written);
      } catch (err) {
        this.fail(run, err as Error);
        return;
      }
      seg.written += bytes;
      seg.space?.wrote(seg.written);
      // Everything chained is in this run: the tree's head is its tree (one copy per batch, not a push per record).
      const tree = this.queue.length === 0 ? this.tree?.clone() : undefined;
      this.startSync({ gen: this.gen, segment: seg, fd: seg.fd, run, bytes, done: false, tree });
    }
    this.checkIdle();
  }

  private async openThenFlush(seg: Segment): Promise<void> {
    this.waiting = true;
    try {
      await this.openSegment(seg);
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
    this.fds.syncStarted(fd);
    fdatasync(fd, (err) => {
      this.syncing--;
      this.fds.syncEnded(fd);
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
        this.o.log.info('audit: log writable again');
        this.o.onRecovered?.();
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
    const settledUnits = this.inflight.splice(0, n);
    for (const u of settledUnits) {
      const seg = u.segment;
      seg.durable += u.bytes;
      this.stats.bytes += u.bytes;
      this.stats.records += u.run.length;
      const last = u.run[u.run.length - 1].record;
      this.durableHead = { seq: last.seq, hash: last.hash };
      if (u.tree) this.durableTree = u.tree;
      else if (this.durableTree) for (const p of u.run) this.durableTree.push(p.leaf);
      if (seg !== this.active && seg.fd !== undefined && !this.inflight.some((v) => v.segment === seg) && !this.queue.some((p) => p.segment === seg)) this.seal(seg);
      this.settled(u.run);
    }
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

  private settled(run: Pending[]): void {
    const records = run.map((p) => p.record);
    const pos = this.durablePosition();
    this.o.onDurable?.(records, pos, run.map((p) => p.leaf));
    for (const p of run) {
      p.resolve?.(p.record);
      if (p.record.kind === 'checkpoint' && p.record.checkpoint) {
        const c = p.record.checkpoint;
        this.o.onCheckpoint?.({ chain: this.chain, seq: c.seq, head: c.head, time: p.record.time, jws: c.jws, kid: c.kid, ...(c.root ? { root: c.root } : {}), ...(c.next ? { next: c.next as PublicKeyJwk } : {}) });
      }
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
    // Everything after the last durable record is void: roll the chain back to it.
    this.head = { ...this.durableHead };
    this.tree = this.durableTree?.clone();
    for (const seg of new Set(rejected.map((p) => p.segment))) {
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
      // The new segment never got its checkpoint on disk: start it again on the next append.
      this.active = this.previous && this.previous.durable > 0 ? this.previous : undefined;
      if (this.active) this.active.assigned = Math.max(this.active.assigned, this.o.segmentMaxBytes);
    }
    this.sinceCheckpoint = 0;
    if (!this.failing) {
      this.failing = true;
      this.o.log.error('audit: write failed; refusing requests until the log is writable', { code: (err as NodeJS.ErrnoException).code, message: err.message, segment: rejected[0]?.segment.name });
      this.o.onFailure?.(err);
    }
    for (const p of rejected) p.reject?.(err);
    this.checkIdle();
  }

  private async openSegment(seg: Segment): Promise<number> {
    return openSegmentForWrite(seg, { dir: this.o.dir, preallocate: this.o.preallocate !== false, maxBytes: this.o.segmentMaxBytes }, (err) => {
      // Once per process: while the disk is full every reopen of a segment retries it.
      const fields = { segment: seg.name, code: err.code, message: err.message };
      if (this.preallocWarned) return this.o.log.debug('audit: cannot preallocate the segment', fields);
      this.preallocWarned = true;
      this.o.log.warn('audit: cannot preallocate the segment; appending without it', fields);
    });
  }
}

/** What chainRecord hands enqueue on the record (taken off before it is queued). */
interface Carrier {
  line: string;
  leaf: Buffer;
}

