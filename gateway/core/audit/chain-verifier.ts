import { decodeJwt, type JSONWebKeySet } from 'jose';
import { GENESIS_HASH } from './hash-record';
import { verifyCheckpointJws, type AnchorFile } from './checkpoint';
import { checkCheckpointTrail, type SettledCheckpoint } from './checkpoint-trail';
import type { Finding, VerifyReport } from './findings';
import { CompactRange, recordLeaf } from './merkle';
import { readRecordLine } from './record-line';

export interface ChainVerifierOptions {
  /** Public keys that checkpoints and the anchor must be signed with. */
  keys?: JSONWebKeySet;
  /** The outside anchor (latest exported checkpoint): detects tail truncation and whole-log replacement. */
  anchor?: AnchorFile & { source?: string };
  /** How far (in seq) a record may stray before its position is settled. Default 1024. */
  window?: number;
  /** Checkpoints a witness holds (compact JWS): the log must still reach each, with the same hash and Merkle root. */
  witnessed?: { jws: string[]; source?: string };
}

/** Where a line came from; `terminated` is false for a last line without its newline. */
export interface LineSource {
  file?: string;
  line?: number;
  terminated?: boolean;
  /** False when the line's bytes are not valid UTF-8 (the text then holds U+FFFD in their place). */
  utf8?: boolean;
}

interface Entry {
  seq: number;
  hash: string;
  prev: string;
  id: string;
  kind: string;
  time: string;
  chain: string;
  file?: string;
  line?: number;
  jws?: string;
  /** A checkpoint's unsigned frontier (resumes the tree when the log starts at it). */
  frontier?: string[];
  /** A checkpoint's Merkle root recomputed from the records before it. */
  treeRoot?: string;
}

/** A witnessed head and what the log holds at its seq. */
interface Witnessed {
  jws: string;
  seq: number;
  logHash?: string;
  logRoot?: string;
}

/**
 * Verifies a hash chain fed line by line, in file order (streaming: memory is bounded by the
 * window, not the log). `push()` each line, then `await finish()` for the report.
 *
 * How findings are told apart: every record is checked against its own hash (modified);
 * records are grouped by seq; when a seq has several distinct records the one linked to its
 * neighbours (prev of the next, hash of the previous) is the chain's and the others are
 * inserted; a missing seq range between kept records is deleted; a record arriving after a
 * higher seq is reordered; the same hash twice is duplicated; a kept record whose prev is not its
 * predecessor's hash breaks the chain (altered and re-hashed). Checkpoint signatures are checked
 * at the end (async), and the anchor's record must exist with the anchored hash.
 *
 * @example
 * const v = createChainVerifier({ keys, anchor });
 * for (const [i, line] of lines.entries()) v.push(line, { file: 'audit-1.jsonl', line: i + 1 });
 * const report = await v.finish(); // report.findings.length === 0 when intact
 */
export function createChainVerifier(options: ChainVerifierOptions = {}): ChainVerifier {
  return new ChainVerifier(options);
}

export class ChainVerifier {
  private readonly window: number;
  private readonly findings: Finding[] = [];
  private readonly flagged = new Set<Entry>();
  private readonly candidates = new Map<number, Entry[]>();
  private readonly recentHashes = new Map<string, number>();
  private readonly hashQueue: [number, string][] = [];
  private readonly checkpoints: Entry[] = [];
  private total = 0;
  private maxSeq = -Infinity;
  private nextFinal?: number;
  private gapStart?: number;
  private first?: Entry;
  private last?: Entry;
  private readonly anchorSeq?: number;
  private anchorSeen?: string;
  /** The Merkle tree over the settled records; undefined once a gap makes it unknowable. */
  private tree?: CompactRange;
  private readonly witnessed = new Map<number, Witnessed[]>();

  constructor(private readonly options: ChainVerifierOptions) {
    this.window = options.window ?? 1024;
    for (const jws of options.witnessed?.jws ?? []) {
      let seq: unknown;
      try {
        seq = decodeJwt(jws).seq;
      } catch {
        seq = undefined;
      }
      const w = { jws, seq: Number.isSafeInteger(seq) ? (seq as number) : -1 };
      const list = this.witnessed.get(w.seq);
      if (list) list.push(w);
      else this.witnessed.set(w.seq, [w]);
    }
    if (options.anchor) {
      try {
        const seq = decodeJwt(options.anchor.jws).seq;
        this.anchorSeq = typeof seq === 'number' ? seq : options.anchor.seq;
      } catch {
        this.anchorSeq = options.anchor.seq;
      }
    }
  }

  push(text: string, where: LineSource = {}): void {
    const loc = { file: where.file, line: where.line };
    if (where.terminated === false) {
      this.findings.push({ kind: 'torn_line', ...loc, message: `incomplete last line (${Buffer.byteLength(text)} bytes without a newline): a crash mid-write that start-up has not recovered yet` });
      return;
    }
    const read = readRecordLine(text);
    if ('malformed' in read) {
      this.findings.push({ kind: 'malformed', ...loc, id: read.record?.id, seq: read.record?.seq, message: read.malformed });
      return;
    }
    const { record: rec, hash, computed } = read;
    this.total++;
    const checkpoint = rec.kind === 'checkpoint' ? (rec.checkpoint as { jws?: unknown; frontier?: unknown } | undefined) : undefined;
    const entry: Entry = {
      seq: rec.seq, hash, prev: rec.prev, id: rec.id, kind: rec.kind, time: rec.time, chain: rec.chain, ...loc,
      jws: typeof checkpoint?.jws === 'string' ? checkpoint.jws : undefined,
      frontier: Array.isArray(checkpoint?.frontier) ? (checkpoint.frontier as string[]) : undefined,
    };
    // The writer writes UTF-8 only; a reader replaces bad bytes with U+FFFD, so they could hide behind a matching hash.
    if (where.utf8 === false) this.flag(entry, 'modified', 'the line is not valid UTF-8 (bytes were changed after writing; each reader would decode them differently)');
    // A record (unlike a malformed line) whose bytes another reader may read otherwise: changed, whatever the hash says.
    if (read.problem) this.flag(entry, 'wrong_form', `line format ${read.version}: ${read.problem}`);
    if (computed !== hash) this.flag(entry, 'modified', 'content does not match its hash (a field was changed after writing)');

    const seen = this.recentHashes.get(hash);
    if (seen !== undefined) {
      this.flag(entry, 'duplicated', `the same record as seq ${seen} appears again`);
      return;
    }
    this.recentHashes.set(hash, entry.seq);
    this.hashQueue.push([entry.seq, hash]);

    if (entry.seq < this.maxSeq) this.flag(entry, 'reordered', `found after seq ${this.maxSeq}, out of its position`);
    if (this.nextFinal !== undefined && entry.seq < this.nextFinal) {
      // Too far from its place to take part in the chain check.
      if (!this.flagged.has(entry)) this.flag(entry, 'inserted', `seq ${entry.seq} was already settled; this record is not part of the chain`);
      return;
    }
    this.maxSeq = Math.max(this.maxSeq, entry.seq);
    const list = this.candidates.get(entry.seq);
    if (list) list.push(entry);
    else this.candidates.set(entry.seq, [entry]);
    this.settleUpTo(this.maxSeq - this.window);
  }

  async finish(): Promise<VerifyReport> {
    this.settleUpTo(this.maxSeq);
    const keys = this.options.keys;
    let validCheckpoints = 0;
    let merkleRoots = 0;
    let trusted = keys;
    if (this.checkpoints.length && !keys?.keys.length) {
      this.findings.push({ kind: 'no_key', message: `${this.checkpoints.length} checkpoints cannot be checked: no public key given (--key JWKS)` });
    } else if (keys) {
      const trail = await checkCheckpointTrail(this.checkpoints as SettledCheckpoint[], keys);
      this.findings.push(...trail.findings);
      validCheckpoints = trail.valid;
      merkleRoots = trail.merkleRoots;
      trusted = trail.trusted;
    }
    await this.checkAnchor(trusted);
    await this.checkWitnessed(trusted);
    const report: VerifyReport = {
      chain: this.first?.chain,
      firstSeq: this.first?.seq,
      lastSeq: this.last?.seq,
      firstTime: this.first?.time,
      lastTime: this.last?.time,
      records: { total: this.total, valid: this.total - this.flagged.size },
      checkpoints: { total: this.checkpoints.length, valid: validCheckpoints },
      start: !this.first ? undefined : this.first.seq === 1 ? 'genesis' : this.first.jws ? 'checkpoint' : 'unattested',
      findings: this.findings,
    };
    if (merkleRoots) report.merkleRoots = merkleRoots;
    if (this.options.witnessed) report.witness = this.witnessSummary();
    if (this.options.anchor) {
      const a = this.options.anchor;
      report.anchor = { seq: a.seq, head: a.head, time: a.time, source: a.source };
    }
    return report;
  }

  /**
   * Every witnessed head must be one the log still reaches: the record at its seq has its hash,
   * and the tree of the records up to it has its Merkle root. A head past the log's end is a
   * truncation (or rollback); a different hash or root is a rewrite, even one re-signed with the
   * gateway's own key.
   */
  private async checkWitnessed(keys: JSONWebKeySet | undefined): Promise<void> {
    for (const list of this.witnessed.values()) {
      for (const w of list) {
        const check = keys?.keys.length ? await verifyCheckpointJws(w.jws, keys) : { ok: false as const, reason: 'no public key given (--key JWKS)' };
        if (!check.ok) {
          this.findings.push({ kind: 'bad_witness', seq: w.seq >= 0 ? w.seq : undefined, message: `witnessed head: ${check.reason}` });
          continue;
        }
        const p = check.payload;
        if (p.chain !== this.first?.chain && this.first) continue; // another chain's head (a shared witness)
        if (this.first && p.seq < this.first.seq) {
          // Before the first kept record (retention): its hash is the first record's prev, if anything.
          if (p.seq === this.first.seq - 1 && this.first.prev !== p.head) this.findings.push({ kind: 'witness_mismatch', seq: p.seq, message: `the witness holds hash ${short(p.head)} for seq ${p.seq} but the log continues from ${short(this.first.prev)}: the log was rewritten` });
          continue;
        }
        if (w.logHash === undefined) {
          this.findings.push({
            kind: 'witness_unreached', seq: p.seq,
            message: `the witness holds a head of seq ${p.seq} signed at ${p.time}, but ${this.last ? `the log ${p.seq > this.last.seq ? `ends at seq ${this.last.seq}` : `has no record ${p.seq}`}` : 'the log is empty'}: records were removed (truncated or rolled back)`,
          });
        } else if (w.logHash !== p.head) {
          this.findings.push({ kind: 'witness_mismatch', seq: p.seq, message: `the witness holds hash ${short(p.head)} for seq ${p.seq} (signed at ${p.time}) but the log has ${short(w.logHash)}: the log was rewritten` });
        } else if (p.root !== undefined && w.logRoot !== undefined && w.logRoot !== p.root) {
          this.findings.push({ kind: 'witness_mismatch', seq: p.seq, message: `the witness holds Merkle root ${short(p.root)} for records 1..${p.seq} but the log's records give ${short(w.logRoot)}: records were rewritten` });
        }
      }
    }
  }

  private witnessSummary(): NonNullable<VerifyReport['witness']> {
    let latest: { seq: number; time?: string } | undefined;
    let heads = 0;
    for (const list of this.witnessed.values()) {
      for (const w of list) {
        heads++;
        if (!latest || w.seq > latest.seq) latest = { seq: w.seq, time: timeOf(w.jws) };
      }
    }
    return { heads, latestSeq: latest?.seq, latestTime: latest?.time, source: this.options.witnessed?.source };
  }

  private async checkAnchor(keys: JSONWebKeySet | undefined): Promise<void> {
    const anchor = this.options.anchor;
    if (!anchor) return;
    if (!keys?.keys.length) {
      this.findings.push({ kind: 'bad_anchor', message: 'the anchor cannot be checked: no public key given (--key JWKS)' });
      return;
    }
    const check = await verifyCheckpointJws(anchor.jws, keys);
    if (!check.ok) {
      this.findings.push({ kind: 'bad_anchor', message: `anchor signature: ${check.reason}` });
      return;
    }
    const { seq, head } = check.payload;
    if (!this.first || !this.last || seq > this.last.seq) {
      this.findings.push({
        kind: 'truncated', seq,
        message: this.last
          ? `the log ends at seq ${this.last.seq} but the anchor attests seq ${seq}: records were removed from the end (or the log was replaced)`
          : `the log is empty but the anchor attests seq ${seq}`,
      });
    } else if (seq === this.first.seq - 1 ? this.first.prev !== head : this.anchorSeen !== undefined && this.anchorSeen !== head) {
      this.findings.push({ kind: 'anchor_mismatch', seq, message: `the anchor attests hash ${short(head)} for seq ${seq} but the log has ${short(seq === this.first.seq - 1 ? this.first.prev : this.anchorSeen!)}: the log was replaced or rewritten` });
    } else if (seq !== this.first.seq - 1 && this.anchorSeen === undefined) {
      this.findings.push({ kind: 'anchor_unverifiable', seq, message: `the anchored record seq ${seq} is not in the log (first kept seq ${this.first.seq})` });
    }
  }

  private flag(entry: Entry, kind: Finding['kind'], message: string): void {
    this.flagged.add(entry);
    this.findings.push({ kind, seq: entry.seq, id: entry.id, file: entry.file, line: entry.line, message });
  }

  /** Settles every seq up to `limit`: picks the chain's record for it and reports the rest. */
  private settleUpTo(limit: number): void {
    if (this.candidates.size === 0) return;
    if (this.nextFinal === undefined) this.nextFinal = Math.min(...this.candidates.keys());
    while (this.nextFinal! <= limit && this.candidates.size) {
      const s: number = this.nextFinal!;
      const here = this.candidates.get(s);
      if (!here) {
        // Jump over a gap in one step (a forged far-away seq must not cost a loop per missing seq).
        let next = Infinity;
        for (const k of this.candidates.keys()) if (k > s && k < next) next = k;
        this.gapStart ??= s;
        this.nextFinal = next;
        continue;
      }
      this.settle(s, here);
      this.candidates.delete(s);
      this.nextFinal = s + 1;
    }
    while (this.hashQueue.length && this.hashQueue[0][0] < this.nextFinal! - 2 * this.window) {
      const [, h] = this.hashQueue.shift()!;
      this.recentHashes.delete(h);
    }
  }

  private settle(s: number, here: Entry[]): void {
    const before = this.last && this.last.seq === s - 1 ? this.last : undefined;
    const after = this.candidates.get(s + 1) ?? [];
    const score = (e: Entry) => (before && e.prev === before.hash ? 1 : 0) + (after.some((n) => n.prev === e.hash) ? 2 : 0);
    let chosen = here[0];
    for (const e of here) if (score(e) > score(chosen)) chosen = e;
    for (const e of here) {
      if (e !== chosen) this.flag(e, 'inserted', `another record holds seq ${s} and is linked to its neighbours; this one is not part of the chain`);
    }
    if (this.gapStart !== undefined && this.last) {
      const n = s - this.gapStart;
      this.findings.push({ kind: 'deleted', seq: this.gapStart, toSeq: s - 1, file: chosen.file, line: chosen.line, message: `${n} record${n === 1 ? '' : 's'} missing before seq ${s}` });
    }
    if (this.gapStart !== undefined) this.tree = undefined;
    this.gapStart = undefined;
    if (!this.first) {
      this.first = chosen;
      this.tree = s === 1 ? new CompactRange() : resumeTree(chosen);
      if (s === 1 && chosen.prev !== GENESIS_HASH) this.flag(chosen, 'chain_broken', 'the first record of the chain does not start from the genesis hash');
      if (s > 1 && !chosen.jws) this.flag(chosen, 'unattested_start', `the log starts at seq ${s} and no checkpoint attests the records before it: earlier records were deleted`);
    } else if (before && chosen.prev !== before.hash) {
      if (!this.flagged.has(chosen)) this.flag(chosen, 'chain_broken', `prev does not match the hash of seq ${s - 1}: that record was altered and re-hashed, or this one replaced`);
    }
    if (chosen.jws) {
      chosen.treeRoot = this.tree?.root().toString('hex');
      this.checkpoints.push(chosen);
    }
    this.tree?.push(recordLeaf(chosen.hash));
    for (const w of this.witnessed.get(s) ?? []) {
      w.logHash = chosen.hash;
      w.logRoot = this.tree?.root().toString('hex');
    }
    if (s === this.anchorSeq) this.anchorSeen = chosen.hash;
    this.last = chosen;
  }
}

/** The tree before a log's first kept record, from its checkpoint's frontier (checked against the signed root later). */
function resumeTree(first: Entry): CompactRange | undefined {
  if (!first.jws || !first.frontier) return undefined;
  try {
    return CompactRange.fromHex(first.seq - 1, first.frontier);
  } catch {
    return undefined;
  }
}

function timeOf(jws: string): string | undefined {
  try {
    const t = decodeJwt(jws).time;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

function short(h: string): string {
  return h.slice(0, 12) + '…';
}
