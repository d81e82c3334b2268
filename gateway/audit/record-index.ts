import type { AuditRecord } from '../generated/audit-record';
import { listSegments, readSegmentLines, type SegmentInfo } from './segment-files';
import type { DurablePosition } from './log-writer';
import type { ChainedRecord } from './record-chain';

/** Filters of `GET /admin/audit` and `gatehouse audit tail`. */
export interface AuditQuery {
  /** Records after this one: a seq number or a record id. Without it, the most recent matches. */
  after?: string | number;
  /** Principal subject (or client id). */
  principal?: string;
  /** Decision action: allow, deny, require_approval. */
  decision?: string;
  model?: string;
  kind?: string;
  requestId?: string;
  /** Records made at or after this time (RFC 3339 UTC, as records carry it); older segments are not read. */
  since?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export function matchesQuery(r: AuditRecord, q: AuditQuery): boolean {
  return keyMatches(kept(r, noBytes, 0), q);
}

/**
 * A durable record as the window keeps it: the members queries filter on, and its line as the
 * bytes written (parsed again when a query returns it).
 */
interface Kept {
  seq: number;
  id: string;
  time: string;
  kind: string;
  subject?: string;
  clientId?: string;
  action?: string;
  model?: string;
  requestId?: string;
  data: Buffer;
  bytes: number;
}

const noBytes = Buffer.alloc(0);

function kept(r: AuditRecord, data: Buffer, bytes: number): Kept {
  return { seq: r.seq, id: r.id, time: r.time, kind: r.kind, subject: r.principal?.subject, clientId: r.principal?.clientId, action: r.decision?.action, model: r.model, requestId: r.requestId, data, bytes };
}

function keyMatches(k: Kept, q: AuditQuery): boolean {
  if (q.principal !== undefined && k.subject !== q.principal && k.clientId !== q.principal) return false;
  if (q.decision !== undefined && k.action !== q.decision) return false;
  if (q.model !== undefined && k.model !== q.model) return false;
  if (q.kind !== undefined && k.kind !== q.kind) return false;
  if (q.requestId !== undefined && k.requestId !== q.requestId) return false;
  if (q.since !== undefined && k.time < q.since) return false;
  return true;
}

/**
 * Answers the admin API's queries. The most recent records are kept in memory as they become
 * durable and answer most queries: at most `capacity` records (audit.recentRecords, default
 * 10,000) and at most `maxBytes` of them as written (audit.recentRecordsMaxBytes, default 64 MiB;
 * a record carries masked bodies of up to maxAuditBodyBytes, so a count alone would let big
 * prompts hold gigabytes). Anything older is read from the segment files (a forward scan from the
 * segment holding `after`, or newest-first segment by segment when looking for the latest
 * matches). Lookups by id outside the window scan the files: fine for an admin API, not for a
 * hot path.
 *
 * The window keeps each record's line as the bytes written (a Buffer, outside the V8 heap: as a
 * string each line was young garbage to copy and promote) and the few members queries filter on,
 * not the record object: thousands of record objects with their body trees, kept alive for
 * seconds, made every request pay in garbage collection for a query an admin may never make
 * (≈ 50 µs of CPU per request in the bench's full pipeline). A query parses the lines it returns.
 * Nor does it keep a map by id (a set and a delete per record): a lookup by id scans the window.
 */
export class RecordIndex {
  /** Oldest first from `head`; the slots before it are dropped records, compacted now and then. */
  private ring: (Kept | undefined)[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly dir: string,
    private readonly capacity: number,
    private readonly durable: () => DurablePosition,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** Durable records in chain order, with their lines as the bytes written. */
  add(durable: readonly Pick<ChainedRecord, 'record' | 'data' | 'bytes'>[]): void {
    if (this.capacity === 0 || this.maxBytes === 0) return;
    for (const { record, data, bytes } of durable) {
      this.ring.push(kept(record, data, bytes));
      this.bytes += bytes;
    }
    // The newest record stays even when it alone is over the byte bound.
    while (this.length > this.capacity || (this.bytes > this.maxBytes && this.length > 1)) {
      this.bytes -= this.ring[this.head]!.bytes;
      this.ring[this.head++] = undefined;
    }
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
  }

  /** How many records are in memory. */
  get length(): number {
    return this.ring.length - this.head;
  }

  /** Oldest seq held in memory. */
  private get oldestSeq(): number {
    return this.length ? this.at(0).seq : Infinity;
  }

  /** The i-th record in memory, oldest first. */
  private at(i: number): Kept {
    return this.ring[this.head + i]!;
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    // A scan of the window, newest first: an admin's lookup, not worth a map kept on every record's path.
    for (let i = this.length - 1; i >= 0; i--) if (this.at(i).id === id) return parse(this.at(i));
    const needle = `"id":"${id.replace(/["\\]/g, '')}"`;
    for await (const { text } of this.scan(await listSegments(this.dir))) {
      if (text.includes(needle)) {
        const r = JSON.parse(text) as AuditRecord;
        if (r.id === id) return r;
      }
    }
    return undefined;
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, q.limit ?? 100), 1000);
    if (q.after !== undefined && q.after !== '') {
      const afterSeq = await this.resolveSeq(q.after);
      return this.forward(afterSeq, q, limit);
    }
    return this.latest(q, limit);
  }

  private async resolveSeq(after: string | number): Promise<number> {
    if (typeof after === 'number') return after;
    if (/^\d+$/.test(after)) return Number(after);
    const r = await this.get(after);
    if (!r) throw Object.assign(new Error(`no audit record ${after}`), { code: 'ENOENT' });
    return r.seq;
  }

  private async forward(afterSeq: number, q: AuditQuery, limit: number): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    if (afterSeq + 1 < this.oldestSeq) {
      const segments = await listSegments(this.dir);
      let from = 0;
      for (let i = 0; i < segments.length; i++) if (segments[i].firstSeq <= afterSeq + 1) from = i;
      for await (const { text } of this.scan(segments.slice(from))) {
        const r = JSON.parse(text) as AuditRecord;
        if (r.seq >= this.oldestSeq) break;
        if (r.seq > afterSeq && matchesQuery(r, q)) {
          out.push(r);
          if (out.length === limit) return out;
        }
      }
    }
    for (let i = 0; i < this.length && out.length < limit; i++) {
      const k = this.at(i);
      if (k.seq > afterSeq && keyMatches(k, q)) out.push(parse(k));
    }
    return out;
  }

  private async latest(q: AuditQuery, limit: number): Promise<AuditRecord[]> {
    const found: AuditRecord[] = [];
    for (let i = this.length - 1; i >= 0 && found.length < limit; i--) {
      const k = this.at(i);
      if (keyMatches(k, q)) found.push(parse(k));
    }
    if (found.length < limit) {
      // Older than memory: newest segment first, each read forward.
      const segments = (await listSegments(this.dir)).reverse();
      for (const seg of segments) {
        if (seg.firstSeq >= this.oldestSeq) continue;
        const here: AuditRecord[] = [];
        let older = false;
        for await (const { text } of this.scan([seg])) {
          const r = JSON.parse(text) as AuditRecord;
          if (r.seq >= this.oldestSeq) break;
          if (q.since !== undefined && r.time < q.since) older = true;
          if (matchesQuery(r, q)) here.push(r);
        }
        for (let i = here.length - 1; i >= 0 && found.length < limit; i--) found.push(here[i]);
        // Segments before this one hold only older records than the one just seen.
        if (found.length >= limit || older) break;
      }
    }
    return found.reverse();
  }

  /** Complete, durable lines of the given segments. */
  private async *scan(segments: SegmentInfo[]): AsyncGenerator<{ text: string }> {
    const pos = this.durable();
    for (const seg of segments) {
      const end = seg.name === pos.segment ? pos.size : undefined;
      for await (const l of readSegmentLines(seg.path, 0, end)) if (l.terminated) yield l;
      if (seg.name === pos.segment) return;
    }
  }
}

function parse(k: Kept): AuditRecord {
  return JSON.parse(k.data.toString('utf8')) as AuditRecord;
}
