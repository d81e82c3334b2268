import { canonicalJson, toIJson } from '../core/audit/canonical-json';
import { hashCanonical, serializeRecord } from '../core/audit/hash-record';
import type { PublicKeyJwk } from '../core/audit/checkpoint';
import { CompactRange, recordLeaf } from '../core/audit/merkle';
import type { AuditRecord } from '../generated/audit-record';
import { checkpointFields } from './checkpoint-record';
import { recordId } from './record-id';
import type { SigningKey } from './signing-key';

/** Fields a caller gives; the writer adds id (unless given), seq, prev, hash, chain and time (unless given). */
export type RecordFields = Omit<AuditRecord, 'seq' | 'prev' | 'hash' | 'chain' | 'id' | 'time'> & { id?: string; time?: string };

/** A record with its place in the chain, ready to write. */
export interface ChainedRecord {
  record: AuditRecord;
  /** The record's line (with its newline), as written. */
  line: string;
  /** Buffer.byteLength(line). */
  bytes: number;
  /** The record's Merkle leaf hash. */
  leaf: Buffer;
}

type Head = { seq: number; hash: string };

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

/**
 * The hash chain's head as records are appended: each record gets its seq, prev, hash, chain id,
 * id and time, and its leaf joins the Merkle tree, synchronously in append order. It also keeps
 * the head and tree of what is durable, which a failed write rolls back to (log-writer.ts).
 */
export class RecordChain {
  head: Head;
  durableHead: Head;
  /** The Merkle tree over every record chained, and over the durable ones. */
  tree?: CompactRange;
  durableTree?: CompactRange;

  constructor(readonly id: string, head: Head, tree: CompactRange | undefined) {
    this.head = { ...head };
    this.durableHead = { ...head };
    this.tree = tree;
    this.durableTree = tree?.clone();
  }

  /** Chains `fields` as the next record. */
  next(fields: RecordFields, now: number): ChainedRecord {
    // Object.assign, not a spread: V8 spreads a record-sized literal on a slow path (≈ 8 µs against 0.3 µs).
    let record = Object.assign({}, fields) as AuditRecord;
    record.id = fields.id ?? recordId(now);
    record.seq = this.head.seq + 1;
    record.prev = this.head.hash;
    record.chain = this.id;
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
    const line = serializeRecord(canonical, record.hash) + '\n';
    return { record, line, bytes: Buffer.byteLength(line), leaf };
  }

  /** Chains a checkpoint of the current head signed by `key` (naming `next` on a key hand-over). */
  checkpoint(key: SigningKey, now: number, next?: PublicKeyJwk): ChainedRecord {
    return this.next(checkpointFields(this.id, this.head, this.tree, key, new Date(now).toISOString(), next), now);
  }

  /**
   * Records up to `last` are durable. `tree` is the tree after `last` when the caller took it then
   * (the common case); otherwise the leaves are pushed onto the durable tree.
   */
  durable(last: AuditRecord, tree: CompactRange | undefined, leaves: readonly { leaf: Buffer }[]): void {
    this.durableHead = { seq: last.seq, hash: last.hash };
    if (tree) this.durableTree = tree;
    else if (this.durableTree) for (const p of leaves) this.durableTree.push(p.leaf);
  }

  /** Everything after the last durable record is void: the chain continues from it. */
  rollBack(): void {
    this.head = { ...this.durableHead };
    this.tree = this.durableTree?.clone();
  }
}
