import { hash as digest } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { hashCanonical, serializeRecord } from './hash-record';
import { jsonFormProblem } from './json-form';

/**
 * Reads one line of the audit log as a verifier: which format it is in, the hash it claims, the
 * hash its bytes give, and anything wrong with its form (docs/audit-log-format.md). This is the
 * verifier's own code: the writer (audit/record-chain.ts) shares none of it, so a writer bug
 * cannot hide itself by being repeated here.
 *
 * - Format 1 (no `v` member; gateways before format 2): the line is the RFC 8785 canonical JSON of
 *   the record without `hash`, with `"hash":"…"` appended as the last member; hash = SHA-256 hex of
 *   (prev ‖ that canonical JSON). The line must be exactly that form.
 * - Format 2 (`{"v":2,` first): the line is the record part as written, its closing `}` replaced
 *   by `,"hash":"<64 hex>"}`; hash = SHA-256 hex of (prev ‖ the record part, bytes as written). The
 *   line must be in the JSON form of core/audit/json-form.ts (one form per value, unique names).
 *
 * @example
 * const r = readRecordLine(line);
 * if ('malformed' in r) report(r.malformed);
 * else if (r.problem || r.computed !== r.hash) report('changed after writing');
 */
export function readRecordLine(text: string): RecordLine | Malformed {
  let rec: unknown;
  try {
    rec = JSON.parse(text);
  } catch {
    return { malformed: 'not JSON' };
  }
  if (!isRecordShape(rec) || typeof rec.hash !== 'string') return { malformed: 'not an audit record (id, seq, prev, hash, kind, time, chain)' };
  if (rec.v === 2) return formatTwo(text, rec);
  if (rec.v !== undefined) return { malformed: `unknown line format ${JSON.stringify(rec.v)} (this verifier reads formats 1 and 2)`, record: rec };
  const { hash, ...rest } = rec;
  let canonical: string;
  try {
    canonical = canonicalJson(rest);
  } catch (err) {
    return { malformed: (err as Error).message, record: rec };
  }
  const line: RecordLine = { version: 1, record: rec, hash, computed: hashCanonical(rec.prev, canonical) };
  // Parsing drops what canonicalization cannot see (a repeated member name, whitespace): only the exact form is the one hashed.
  if (serializeRecord(canonical, hash) !== text) line.problem = 'the line is not the canonical JSON it was hashed as (bytes were changed: a repeated member, whitespace, another escape or number form)';
  return line;
}

/** A line as a verifier reads it. */
export interface RecordLine {
  version: 1 | 2;
  record: RecordShape & Record<string, unknown>;
  /** The hash the line claims. */
  hash: string;
  /** The hash its bytes give. */
  computed: string;
  /** Why the line is not in its format's form, when it is not: its bytes were changed, whatever the hash says. */
  problem?: string;
}

/** A line that has no place in the chain; `record` when it has a record's shape. */
export interface Malformed {
  malformed: string;
  record?: RecordShape;
}

export interface RecordShape {
  id: string;
  seq: number;
  prev: string;
  hash: string;
  kind: string;
  time: string;
  chain: string;
  v?: unknown;
}

const versionTwoStart = '{"v":2,';
const hashMember = ',"hash":"';
// `,"hash":"` + 64 hex + `"}`
const hashSuffixLength = hashMember.length + 64 + 2;
const hex64 = /^[0-9a-f]{64}$/;

function formatTwo(text: string, rec: RecordShape & Record<string, unknown>): RecordLine | Malformed {
  const suffixAt = text.length - hashSuffixLength;
  const claimed = text.slice(suffixAt + hashMember.length, -2);
  if (suffixAt < versionTwoStart.length || !text.startsWith(hashMember, suffixAt) || !text.endsWith('"}') || !hex64.test(claimed) || claimed !== rec.hash) {
    return { malformed: 'a format 2 line ends with its "hash" member: ,"hash":"<64 lower-case hex>"}', record: rec };
  }
  // The record part as written: everything before the hash member, closed.
  const recordPart = text.slice(0, suffixAt) + '}';
  const line: RecordLine = { version: 2, record: rec, hash: claimed, computed: digest('sha256', rec.prev + recordPart, 'hex') };
  const problem = text.startsWith(versionTwoStart) ? jsonFormProblem(text) : 'a format 2 line starts with {"v":2,';
  if (problem) line.problem = problem;
  return line;
}

function isRecordShape(r: unknown): r is RecordShape & Record<string, unknown> {
  if (!r || typeof r !== 'object' || Array.isArray(r)) return false;
  const o = r as Record<string, unknown>;
  return typeof o.id === 'string' && Number.isSafeInteger(o.seq) && typeof o.prev === 'string' && typeof o.kind === 'string' && typeof o.time === 'string' && typeof o.chain === 'string';
}
