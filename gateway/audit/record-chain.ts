import { hash } from 'node:crypto';
import { toIJson } from '../core/audit/canonical-json';
import type { PublicKeyJwk } from '../core/audit/checkpoint';
import { CompactRange, recordLeaf } from '../core/audit/merkle';
import { SerializedValue } from '../core/serialized-value';
import type { AuditRecord } from '../generated/audit-record';
import { checkpointFields } from './checkpoint-record';
import { recordId } from './record-id';
import type { SigningKey } from './signing-key';

/** Fields a caller gives; the writer adds v, id (unless given), seq, prev, hash, chain and time (unless given). */
export type RecordFields = Omit<AuditRecord, 'v' | 'seq' | 'prev' | 'hash' | 'chain' | 'id' | 'time'> & { id?: string; time?: string };

/** A record with its place in the chain, ready to write. */
export interface ChainedRecord {
  record: AuditRecord;
  /**
   * The record's line (with its newline) as the bytes written: encoded once, hashed and written
   * from this buffer, and what the window of recent records keeps (`data.toString()` is the line).
   */
  data: Buffer;
  /** data.length. */
  bytes: number;
  /** The record's Merkle leaf hash. */
  leaf: Buffer;
}

type Head = { seq: number; hash: string };

/** The line format this writer writes: the `v` member every line starts with. */
export const lineFormat = 2;

/** A hash in hex: `prev` before the record part in the hashed bytes. */
const prevLength = 64;
/** What follows the record part's bytes, less its closing brace: `,"hash":"<64 hex>"}\n` is 76 bytes for 1. */
const hashSuffixLength = 75;

// What JSON.stringify writes for a lone surrogate (\udXXX, lower-case) after an even run of backslashes.
const escapedLoneSurrogate = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/;

function hasEscapedLoneSurrogate(json: string): boolean {
  return json.includes('\\ud') && escapedLoneSurrogate.test(json);
}

/**
 * Where record buffers are cut from: slabs of their own rather than node's shared 8 KB pool, as
 * the window of recent records keeps each record's bytes for thousands of records. Kept as the
 * bytes (outside the V8 heap) instead of as a string, a record's line is no garbage the young
 * generation copies and promotes (at 4 KB bodies ≈ 40 µs/req of GC pauses); cut from a slab that
 * holds records only, the window pins no memory of other buffers, and a slab is freed once its
 * last record has left the window.
 */
const slabBytes = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;

function recordBuffer(n: number): Buffer {
  if (n > slabBytes >> 2) return Buffer.allocUnsafeSlow(n);
  if (slabUsed + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(slabBytes);
    slabUsed = 0;
  }
  const b = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return b;
}

/**
 * A string JSON.stringify writes as it is between its quotes: no quote, backslash, control
 * character or surrogate (a paired one would be written as it is too; the test only has to be
 * sufficient).
 */
const needsNoEscape = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function plain(s: unknown): s is string {
  return typeof s === 'string' && needsNoEscape.test(s);
}

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

  /** The chain id as JSON (the template of the head members writes it as it is). */
  private readonly idJson: string;

  constructor(readonly id: string, head: Head, tree: CompactRange | undefined) {
    this.idJson = JSON.stringify(id);
    this.head = { ...head };
    this.durableHead = { ...head };
    this.tree = tree;
    this.durableTree = tree?.clone();
  }

  /**
   * Chains `fields` as the next record, in line format 2 (docs/audit-log-format.md): the record is
   * serialized once, and the hash covers prev and those bytes exactly as they are written. A body
   * given as a SerializedValue is not serialized at all: its bytes are written as they are, as
   * the record part's last member(s). `fields` becomes the record (the writer adds its members to
   * it): callers give a fresh object.
   */
  next(fields: RecordFields, now: number): ChainedRecord {
    const id = fields.id ?? recordId(now);
    const time = fields.time ?? isoTime(now);
    const kind = fields.kind;
    // The members a line starts with, in the order written (a reader sees the format first), then
    // the fields in their own order. Serialized as two objects rather than merged into one: a
    // record-sized object built by copying is a dictionary-mode object (≈ 2 KB of garbage per
    // record, and a slower JSON.stringify).
    const head = { v: lineFormat as AuditRecord['v'], id, seq: this.head.seq + 1, time, kind, chain: this.id, prev: this.head.hash };
    // A body whose JSON text is already made (the masked body sent upstream) is not serialized
    // again: it is taken out here and its bytes are written after the other members.
    const made = takeSerialized(fields);
    fields.id = fields.time = fields.kind = undefined as never;
    // The head members by a template when no string needs escaping (ids, times, kinds and hashes
    // never do): what JSON.stringify(head) writes, at about half its cost.
    let first =
      plain(id) && plain(time) && plain(kind) && plain(head.prev)
        ? `{"v":${lineFormat},"id":"${id}","seq":${head.seq},"time":"${time}","kind":"${kind}","chain":${this.idJson},"prev":"${head.prev}"}`
        : JSON.stringify(head);
    let rest = JSON.stringify(fields);
    // Member by member (named stores keep `fields` a fast-mode object; Object.assign may not).
    let record = fields as AuditRecord;
    record.v = head.v;
    record.id = id;
    record.seq = head.seq;
    record.time = time;
    record.kind = kind;
    record.chain = head.chain;
    record.prev = head.prev;
    if (hasEscapedLoneSurrogate(first) || hasEscapedLoneSurrogate(rest)) {
      // Lone surrogates from a client's body: JSON.stringify escapes them, but they are not I-JSON. Store the I-JSON form.
      record = toIJson(Object.assign({ ...head }, record)) as AuditRecord;
      first = JSON.stringify(record);
      rest = '{}';
    }
    // One encoding of the record part serves the hash and the write: prev (64 hex) then the
    // record part in one buffer; the hash is taken over both, then written over the closing
    // brace with the line's end, so the record part stays byte for byte what was hashed. The
    // rest's opening brace is written over the first part's closing one, then made a comma.
    const n = Buffer.byteLength(first) + (rest.length > 2 ? Buffer.byteLength(rest) - 1 : 0);
    let size = prevLength + n;
    for (const m of made) size += m.name.length + 4 + m.json.length;
    const buf = recordBuffer(size + hashSuffixLength);
    buf.write(record.prev, 0, prevLength, 'latin1');
    // `at`: the record part's closing brace so far.
    let at = prevLength + buf.write(first, prevLength) - 1;
    if (rest.length > 2) {
      const brace = at;
      at += buf.write(rest, at) - 1;
      buf[brace] = 0x2c;
    }
    if (made.length > 0) {
      // Over the closing brace: `,"<name>":<its JSON bytes>` each, then the brace again.
      for (const m of made) {
        at += buf.write(`,"${m.name}":`, at, 'latin1');
        at += m.json.copy(buf, at);
        record[m.name] = m.value;
      }
      buf[at] = 0x7d;
    }
    record.hash = hash('sha256', buf.subarray(0, size), 'hex');
    const end = `,"hash":"${record.hash}"}\n`;
    buf.write(end, size - 1, hashSuffixLength + 1, 'latin1');
    this.head = { seq: record.seq, hash: record.hash };
    const leaf = recordLeaf(record.hash);
    this.tree?.push(leaf);
    const data = buf.subarray(prevLength);
    return { record, data, bytes: data.length, leaf };
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

/** The members a caller may give as a SerializedValue: the bodies, whose JSON text masking may already have made. */
const serializableMembers = ['requestBody', 'responseBody'] as const;

/**
 * Takes the SerializedValue members off `record` (left undefined, so JSON.stringify leaves them
 * out; the caller puts each value back once its bytes are written). One whose text holds an
 * escaped lone surrogate (`\ud…`, or a false alarm) gets its value back at once: it is serialized
 * with the rest, which stores the I-JSON form.
 */
function takeSerialized(record: RecordFields): { name: (typeof serializableMembers)[number]; value: unknown; json: Buffer }[] {
  const made: ReturnType<typeof takeSerialized> = [];
  for (const name of serializableMembers) {
    const v = record[name];
    if (!(v instanceof SerializedValue)) continue;
    if (v.json.includes('\\ud')) {
      record[name] = v.value;
    } else {
      record[name] = undefined;
      made.push({ name, value: v.value, json: v.json });
    }
  }
  return made;
}
