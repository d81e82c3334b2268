import { hash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 §2.1 over the audit records, and its proofs.
 *
 * Leaf i (0-based) is the record at seq i + 1; its entry is that record's chain hash (32 bytes),
 * which commits to every byte of the record and to `prev`. So MTH over the first n leaves is the
 * tree of records 1..n, and a checkpoint attesting seq n signs that root.
 *
 *   leaf = SHA-256(0x00 || entry)        node = SHA-256(0x01 || left || right)
 *   MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
 *
 * Pure: no I/O. Proof generation takes a `RangeHash` (MTH of a leaf range) so the caller decides
 * where the leaves come from (all of them in memory, or a compact range plus the newer leaves).
 */

/** MTH of leaves [start, end): what proof generation needs from its caller. */
export type RangeHash = (start: number, end: number) => Buffer;

const emptyRoot = Buffer.from(hash('sha256', Buffer.alloc(0), 'hex'), 'hex');
const leafPrefix = Buffer.from([0]);
const nodePrefix = Buffer.from([1]);

/** SHA-256(0x00 || entry). */
export function leafHash(entry: Buffer): Buffer {
  return sha256(Buffer.concat([leafPrefix, entry]));
}

/** The leaf of an audit record: SHA-256(0x00 || the 32 bytes of its hex chain hash). */
export function recordLeaf(recordHashHex: string): Buffer {
  return sha256(Buffer.from('00' + recordHashHex, 'hex'));
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(Buffer.concat([nodePrefix, left, right]));
}

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * MTH over leaf hashes (RFC 9162 §2.1.1), iteratively: a compact range folded from the right.
 *
 * @example
 * merkleRoot([]) // SHA-256 of the empty string
 */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  const range = new CompactRange();
  for (const l of leaves) range.push(l);
  return range.root();
}

/** A RangeHash over leaf hashes held in memory. */
export function rangeHashOf(leaves: readonly Buffer[]): RangeHash {
  return (start, end) => merkleRoot(leaves.slice(start, end));
}

/**
 * PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of `size` leaves,
 * from the leaf's sibling up.
 */
export function inclusionProof(index: number, size: number, mth: RangeHash): Buffer[] {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path: Buffer[] = [];
  // Walk down from the root, collecting the sibling subtrees; the RFC lists them leaf first.
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = split(n);
    if (m < k) {
      path.push(mth(start + k, start + n));
      n = k;
    } else {
      path.push(mth(start, start + k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return path.reverse();
}

/**
 * PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the consistency proof from the tree of `first` leaves to
 * the tree of `second` leaves. Empty when first is 0 or equals second.
 */
export function consistencyProof(first: number, second: number, mth: RangeHash): Buffer[] {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first >= 0 && first <= second)) throw new RangeError(`no consistency proof from ${first} to ${second}`);
  if (first === 0 || first === second) return [];
  const proof: Buffer[] = [];
  // SUBPROOF(m, D[start:start+n], b), unrolled: each step adds one node after the ones below it.
  let start = 0;
  let n = second;
  let m = first;
  let b = true;
  while (m !== n) {
    const k = split(n);
    if (m <= k) {
      proof.push(mth(start + k, start + n));
      n = k;
    } else {
      proof.push(mth(start, start + k));
      start += k;
      m -= k;
      n -= k;
      b = false;
    }
  }
  if (!b) proof.push(mth(start, start + n));
  return proof.reverse();
}

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2): recomputes the root from the leaf hash and
 * the path and compares it with `root`.
 */
export function verifyInclusion(index: number, size: number, leaf: Buffer, proof: readonly Buffer[], root: Buffer): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size)) || index < 0 || index >= size) return false;
  if (leaf.length !== 32 || root.length !== 32 || proof.some((p) => p.length !== 32)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) (fn = Math.floor(fn / 2)), (sn = Math.floor(sn / 2));
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2): the tree of `second` leaves with root
 * `secondRoot` extends the tree of `first` leaves with root `firstRoot`.
 */
export function verifyConsistency(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second)) || first < 0 || first > second) return false;
  if (proof.some((p) => p.length !== 32)) return false;
  // The trivial cases the RFC leaves to the caller: nothing to prove, and no proof is accepted.
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) (fn = Math.floor(fn / 2)), (sn = Math.floor(sn / 2));
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) (fn = Math.floor(fn / 2)), (sn = Math.floor(sn / 2));
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/**
 * The incremental tree a writer keeps: the roots of the perfect subtrees that cover leaves
 * [0, size), largest (leftmost) first — one per set bit of size, so O(log n) hashes. Appending
 * a leaf merges equal-sized neighbours; the root folds them from the right, which is MTH for any
 * size (RFC 9162's split puts the largest power of two on the left).
 */
export class CompactRange {
  private nodes: Buffer[];

  constructor(
    private count = 0,
    nodes: readonly Buffer[] = [],
  ) {
    if (!Number.isSafeInteger(count) || count < 0 || popCount(count) !== nodes.length) throw new RangeError(`a compact range of ${count} leaves has ${popCount(count)} nodes, not ${nodes.length}`);
    this.nodes = nodes.slice();
  }

  /** Rebuilds a range from its serialized form (hex hashes, largest subtree first). */
  static fromHex(size: number, frontier: readonly string[]): CompactRange {
    if (frontier.some((h) => !/^[0-9a-f]{64}$/.test(h))) throw new RangeError('a frontier hash is not 64 hex characters');
    return new CompactRange(size, frontier.map((h) => Buffer.from(h, 'hex')));
  }

  get size(): number {
    return this.count;
  }

  push(leaf: Buffer): void {
    this.nodes.push(leaf);
    // Each trailing one bit of the old size is a subtree the new leaf completes.
    for (let s = this.count; s % 2 === 1; s = Math.floor(s / 2)) {
      const right = this.nodes.pop()!;
      const left = this.nodes.pop()!;
      this.nodes.push(nodeHash(left, right));
    }
    this.count++;
  }

  root(): Buffer {
    if (this.nodes.length === 0) return emptyRoot;
    let r = this.nodes[this.nodes.length - 1];
    for (let i = this.nodes.length - 2; i >= 0; i--) r = nodeHash(this.nodes[i], r);
    return r;
  }

  /** The subtree roots as hex, largest first (what a checkpoint record stores). */
  frontier(): string[] {
    return this.nodes.map((n) => n.toString('hex'));
  }

  /**
   * MTH of [start, end) when it is one of this range's subtrees (what a consistency proof from
   * this size needs of the leaves before it); undefined otherwise.
   */
  subtree(start: number, end: number): Buffer | undefined {
    let at = 0;
    let i = 0;
    for (let bit = highestBit(this.count); bit >= 1; bit = Math.floor(bit / 2)) {
      if ((this.count & bit) === 0) continue;
      if (at === start && at + bit === end) return this.nodes[i];
      at += bit;
      i++;
    }
    return undefined;
  }

  clone(): CompactRange {
    return new CompactRange(this.count, this.nodes);
  }
}

function sha256(data: Buffer): Buffer {
  // crypto.hash's 'buffer' output is ≈ 4× slower than a latin1 string (one char per byte) turned back into bytes.
  // (Node documents any string encoding for outputEncoding; @types/node lists a few.)
  return Buffer.from(hash('sha256', data, 'latin1' as 'hex'), 'latin1');
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.floor(Math.log2(n)) === n;
}

function popCount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

function highestBit(n: number): number {
  let b = 1;
  while (b * 2 <= n) b *= 2;
  return n === 0 ? 0 : b;
}
