import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AnchorFile, PublicKeyJwk } from '../core/audit/checkpoint';
import type { CompactRange } from '../core/audit/merkle';
import type { AuditRecord } from '../generated/audit-record';
import type { Logger } from '../log';
import { GroupCommit, type Pending, type Unit, type WriterStats } from './group-commit';
import { RecordChain, type ChainedRecord, type RecordFields } from './record-chain';
import { recoverChainHead, type TornTailRecovery } from './recover-chain-head';
import { assertSigningKey, recoverTree } from './recover-tree';
import { segmentName } from './segment-files';
import { SegmentLifecycle, type DurablePosition } from './segment-lifecycle';
import type { SigningKey } from './signing-key';

export type { DurablePosition } from './segment-lifecycle';
export type { RecordFields } from './record-chain';
export type { WriterStats } from './group-commit';

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
  /** After every durable batch, in chain order: each record with its line, the line's size and its Merkle leaf hash (core/audit/merkle.ts). */
  onDurable?: (run: readonly ChainedRecord[], position: DurablePosition) => void;
  /** After a checkpoint is durable: the new anchor. */
  onCheckpoint?: (anchor: AnchorFile) => void;
  /** A write or sync failed (first failure after success). */
  onFailure?: (err: Error) => void;
  /** Writes succeed again after a failure. */
  onRecovered?: () => void;
}

/**
 * The append-only, hash-chained log with group commit.
 *
 * Records are chained synchronously in append order (seq, prev, hash: record-chain.ts), queued,
 * and written by one flush loop (group-commit.ts): everything queued while a write + fdatasync is
 * in flight goes out in the next batch as one write and one fdatasync per segment touched.
 * `append()` resolves once its batch is durable. Segments rotate by size and age
 * (segment-lifecycle.ts); each starts with a signed checkpoint attesting the chain head before
 * it, so the log verifies from any kept segment after retention. Checkpoints also follow every
 * N records and within `checkpointMaxMs` of the first record they have to cover.
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
  readonly stats: WriterStats = { records: 0, batches: 0, syncs: 0, bytes: 0, failures: 0 };
  private readonly records: RecordChain;
  private readonly segments: SegmentLifecycle;
  private readonly commit: GroupCommit;
  private closed = false;
  private sinceCheckpoint = 0;
  private key: SigningKey;
  private checkpointTimer?: NodeJS.Timeout;

  private constructor(private readonly o: LogWriterOptions, head: { seq: number; hash: string }, chain: string, tree: CompactRange | undefined) {
    this.key = o.key;
    this.records = new RecordChain(chain, head, tree);
    this.segments = new SegmentLifecycle(
      { dir: o.dir, log: o.log, segmentMaxBytes: o.segmentMaxBytes, segmentMaxAgeMs: o.segmentMaxAgeMs, preallocate: o.preallocate !== false },
      (seg) => this.commit.holds(seg),
    );
    this.commit = new GroupCommit(this.segments, o.groupCommitMaxDelayMs, this.stats, {
      headTree: () => this.records.tree?.clone(),
      settled: (unit) => this.settled(unit),
      failed: (rejected, err, first) => this.failed(rejected, err, first),
      recovered: () => {
        o.log.info('audit: log writable again');
        o.onRecovered?.();
      },
    });
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

  /** The chain id. */
  get chain(): string {
    return this.records.id;
  }

  /** Chains the record now and resolves once it is durable. */
  append(fields: RecordFields): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new Error('audit log is closed'));
    return new Promise((resolve, reject) => {
      const now = Date.now();
      this.ensureSegment(now);
      this.enqueue(this.records.next(fields, now), resolve, reject);
      if (fields.kind !== 'checkpoint' && ++this.sinceCheckpoint >= this.o.checkpointEveryRecords) this.enqueueCheckpoint(now);
      else if (this.sinceCheckpoint > 0) this.armCheckpointTimer();
      this.commit.kick();
    });
  }

  /** Appends a signed checkpoint of the current head (also done every N records, T seconds and on each new segment). */
  checkpoint(): Promise<AuditRecord> {
    if (this.closed) return Promise.reject(new Error('audit log is closed'));
    return new Promise((resolve, reject) => {
      const now = Date.now();
      // A new segment starts with a checkpoint of the head: that one is it.
      if (!this.ensureSegment(now, resolve, reject)) this.enqueueCheckpoint(now, resolve, reject);
      this.commit.kick();
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
      this.commit.kick();
    });
    return handOver.then(() => this.checkpoint());
  }

  /** The Merkle tree over the durable records (a copy), when the log has one. */
  durableRange(): CompactRange | undefined {
    return this.records.durableTree?.clone();
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
    return this.records.head.seq;
  }

  /** Where the next new segment will be written: tests use it to stage disk failures. */
  nextSegmentPath(): string {
    return join(this.o.dir, segmentName(this.records.head.seq + 1));
  }

  durablePosition(): DurablePosition {
    return this.segments.position(this.records.durableHead.seq);
  }

  /** Writes a final checkpoint, waits for the queue to drain, cuts the segments back to their length and closes them. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.sinceCheckpoint > 0) await this.checkpoint().catch(() => undefined);
    this.closed = true;
    clearTimeout(this.checkpointTimer);
    await this.commit.drained();
    await this.segments.close();
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

  /** Starts a new segment with its checkpoint when the active one is due to rotate (or there is none). Returns true when it did. */
  private ensureSegment(now: number, resolve?: (r: AuditRecord) => void, reject?: (e: Error) => void): boolean {
    if (!this.segments.rotateIfDue(now, this.records.head.seq + 1)) return false;
    this.enqueueCheckpoint(now, resolve, reject);
    return true;
  }

  private enqueueCheckpoint(now: number, resolve?: (r: AuditRecord) => void, reject?: (e: Error) => void, next?: PublicKeyJwk): void {
    this.enqueue(this.records.checkpoint(this.key, now, next), resolve, reject);
    this.sinceCheckpoint = 0;
    clearTimeout(this.checkpointTimer);
    this.checkpointTimer = undefined;
  }

  private enqueue(c: ChainedRecord, resolve?: (r: AuditRecord) => void, reject?: (e: Error) => void): void {
    const segment = this.segments.active!;
    segment.assigned += c.bytes;
    this.commit.push({ record: c.record, data: c.data, bytes: c.bytes, leaf: c.leaf, segment, resolve, reject });
  }

  /** A unit is durable: moves the durable head, seals a finished segment, tells the listeners, resolves the appends. */
  private settled(u: Unit): void {
    const run = u.run;
    this.records.durable(run[run.length - 1].record, u.tree, run);
    this.segments.settled(u.segment);
    const pos = this.durablePosition();
    this.o.onDurable?.(run, pos);
    for (const p of run) {
      p.resolve?.(p.record);
      if (p.record.kind === 'checkpoint' && p.record.checkpoint) {
        const c = p.record.checkpoint;
        this.o.onCheckpoint?.({ chain: this.chain, seq: c.seq, head: c.head, time: p.record.time, jws: c.jws, kid: c.kid, ...(c.root ? { root: c.root } : {}), ...(c.next ? { next: c.next as PublicKeyJwk } : {}) });
      }
    }
  }

  /** A write or sync failed: everything after the last durable record is void. */
  private failed(rejected: Pending[], err: Error, first: boolean): void {
    this.records.rollBack();
    this.segments.voidUnsettled(new Set(rejected.map((p) => p.segment)));
    this.sinceCheckpoint = 0;
    if (first) {
      this.o.log.error('audit: write failed; refusing requests until the log is writable', { code: (err as NodeJS.ErrnoException).code, message: err.message, segment: rejected[0]?.segment.name });
      this.o.onFailure?.(err);
    }
    for (const p of rejected) p.reject?.(err);
  }
}
