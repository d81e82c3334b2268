import type { CompiledMasking, CompiledRule } from './compile';
import { formatPath, matchPath } from './json-path';
import type { StringParts } from '../json-prefix';
import type { SplicedString, SplicedStrings } from '../json-splice';
import { applyMasks, concatenate, detect, detectEach, maskedPieces, ReportBuilder, selectRules, type AttributedDetection, type MaskOptions, type MaskResult, type MaskSpan } from './mask-text';
import { scanAloneLength } from './scanner';
import { replacement } from './styles';
import { memberNames } from './value-context';

/**
 * Masks a parsed JSON body for one copy (audit, upstream or client): field rules by path
 * (mask-whole, or detectors only there) and detectors on every other string the rules cover.
 * A string's member names (its key and its parents' keys) count as context for its values:
 * `{"ssn":"876729346"}` is masked as surely as "ssn 876729346".
 * Copy-on-write: unchanged subtrees are shared with the input, which is never mutated, and an
 * unchanged body comes back as the same reference (`changed: false`).
 *
 * @example
 * const { value, report, spans } = maskJson(
 *   { messages: [{ role: 'user', content: 'card 4111 1111 1111 1111' }] },
 *   compileMaskingRules([{ name: 'pci', detectors: ['card'] }]),
 *   { where: 'upstream' },
 * );
 * // value.messages[0].content === 'card [REDACTED:CARD]'
 * // report => [{ rule: 'pci', detector: 'card', path: '$.messages[0].content', count: 1 }]
 * // spans  => [{ rule: 'pci', detector: 'card', path: '$.messages[0].content', start: 5, end: 24, confidence: 0.95 }]
 */
export function maskJson<T>(value: T, compiled: CompiledMasking, options: MaskOptions): MaskResult<T> {
  const rules = selectRules(compiled, options.where, options.ruleNames);
  if (rules.length && rules.every((r) => r.detectPaths === null && r.wholePaths.length === 0)) return maskJsonBatched(value, compiled, rules, options);
  const walker = new Walker(compiled, rules, options);
  const out = rules.length ? walker.visit(value) : value;
  return { value: out as T, changed: out !== value, report: walker.report.entries(), spans: walker.spans };
}

class Walker {
  readonly report = new ReportBuilder();
  readonly spans: MaskSpan[] = [];
  private readonly path: (string | number)[] = [];
  /** Rules that detect on every string. */
  private readonly everywhere: CompiledRule[];
  /** Rules with field paths (checked per node). */
  private readonly fielded: CompiledRule[];
  private readonly hashKey: Uint8Array | string;
  private readonly wantSpans: boolean;

  constructor(private readonly compiled: CompiledMasking, rules: CompiledRule[], options: MaskOptions) {
    this.everywhere = rules.filter((r) => r.detectPaths === null);
    this.fielded = rules.filter((r) => r.detectPaths !== null);
    this.hashKey = options.hashKey ?? compiled.hashKey;
    this.wantSpans = options.spans !== false;
  }

  visit(node: unknown): unknown {
    if (this.fielded.length) {
      const whole = this.wholeRule();
      if (whole) return this.maskWhole(node, whole);
    }
    if (typeof node === 'string') return this.maskString(node);
    if (typeof node === 'number') return this.maskNumber(node);
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < node.length; i++) {
        this.path.push(i);
        const v = this.visit(node[i]);
        this.path.pop();
        if (v !== node[i]) (copy ??= node.slice())[i] = v;
      }
      return copy ?? node;
    }
    let copy: Record<string, unknown> | undefined;
    const obj = node as Record<string, unknown>;
    for (const key in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
      this.path.push(key);
      const v = this.visit(obj[key]);
      this.path.pop();
      if (v !== obj[key]) (copy ??= { ...obj })[key] = v;
    }
    return copy ?? node;
  }

  private wholeRule(): CompiledRule | undefined {
    for (const r of this.fielded) for (const p of r.wholePaths) if (matchPath(p, this.path) === 'exact') return r;
    return undefined;
  }

  private maskWhole(node: unknown, rule: CompiledRule): string {
    const path = formatPath(this.path);
    this.report.add(rule.name, 'field', path);
    const text = typeof node === 'string' ? node : JSON.stringify(node) ?? '';
    if (this.wantSpans) this.spans.push({ rule: rule.name, detector: 'field', path, start: 0, end: typeof node === 'string' ? node.length : 0, confidence: 1 });
    return replacement(rule.style, 'field', text, this.hashKey);
  }

  private rulesHere(): CompiledRule[] {
    if (this.fielded.length === 0) return this.everywhere;
    let here: CompiledRule[] | undefined;
    for (const r of this.fielded) {
      if (r.detectPaths!.some((p) => matchPath(p, this.path) !== false)) (here ??= this.everywhere.slice()).push(r);
    }
    if (!here) return this.everywhere;
    return here.sort((a, b) => a.index - b.index);
  }

  private maskString(text: string): string {
    const rules = this.rulesHere();
    if (rules.length === 0 || text.length < 3) return text;
    const found = detect(text, this.compiled, rules, memberNames(this.path));
    if (found.length === 0) return text;
    const path = formatPath(this.path);
    for (const d of found) {
      this.report.add(d.rule.name, d.detector, path);
      if (this.wantSpans) this.spans.push({ rule: d.rule.name, detector: d.detector, path, start: d.start, end: d.end, confidence: d.confidence });
    }
    return applyMasks(text, found, this.hashKey);
  }

  /** Card numbers and the like sent as JSON numbers. Short numbers cannot hold a detected value. */
  private maskNumber(n: number): number | string {
    if (!Number.isSafeInteger(n) || Math.abs(n) < 1e8) return n;
    const text = String(n);
    const masked = this.maskString(text);
    return masked === text ? n : masked;
  }
}

/** A container on the way down from the root: leaves keep their parent link, not a copy of the path. */
interface Frame {
  parent: Frame | null;
  key: string | number;
  node: object;
  /** The container's copy, made when the first string below it is masked. */
  copy?: Record<string | number, unknown>;
  /** The member names down to this container (see `namesOf`), once asked for. */
  names?: string;
}

interface Leaf {
  /** The container holding the leaf (null: the body itself is the leaf). */
  frame: Frame | null;
  key: string | number;
  text: string;
}

function pathOf(leaf: Leaf): (string | number)[] {
  if (!leaf.frame) return [];
  const path: (string | number)[] = [leaf.key];
  for (let f: Frame | null = leaf.frame; f; f = f.parent) path.push(f.key);
  path.pop(); // the root frame's key
  return path.reverse();
}

/**
 * The member names down to `key` in `frame`, space-separated (`memberNames` of its path). Interned
 * in `names`: every string at the same names (each message's content) gets the same string
 * object, which the scanner's caches then find at once (its hash is computed once).
 */
function namesOf(frame: Frame | null, key: string | number, names: Map<string, Map<string, string>>): string {
  const above = frame ? (frame.names ??= namesOf(frame.parent, frame.key, names)) : '';
  if (typeof key !== 'string' || key === '') return above;
  let byKey = names.get(above);
  if (byKey === undefined) names.set(above, (byKey = new Map()));
  let joined = byKey.get(key);
  if (joined === undefined) byKey.set(key, (joined = above === '' ? key : `${above} ${key}`));
  return joined;
}

/**
 * When every rule detects everywhere (no field paths), all strings of the body are scanned in
 * one pass (`detectEach`): the per-string fixed cost of a scan dominates on bodies of many short
 * strings. Each string is still found as if scanned alone, its member names as context.
 */
function maskJsonBatched<T>(value: T, compiled: CompiledMasking, rules: CompiledRule[], options: MaskOptions): MaskResult<T> {
  const leaves: Leaf[] = [];
  const texts: string[] = [];
  let top: Frame | undefined;
  const add = (frame: Frame | null, key: string | number, text: string) => {
    leaves.push({ frame, key, text });
    texts.push(text);
  };
  const collect = (node: unknown, frame: Frame | null, key: string | number): void => {
    if (typeof node === 'string') {
      if (node.length >= 3) add(frame, key, node);
    } else if (typeof node === 'number') {
      if (Number.isSafeInteger(node) && Math.abs(node) >= 1e8) add(frame, key, String(node));
    } else if (node !== null && typeof node === 'object') {
      const here: Frame = { parent: frame, key, node };
      top ??= here;
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) collect(node[i], here, i);
      } else {
        const obj = node as Record<string, unknown>;
        for (const k in obj) if (Object.prototype.hasOwnProperty.call(obj, k)) collect(obj[k], here, k);
      }
    }
  };
  collect(value, null, '');
  const report = new ReportBuilder();
  const spans: MaskSpan[] = [];
  if (leaves.length === 0) return { value, changed: false, report: report.entries(), spans };
  const interned = new Map<string, Map<string, string>>();
  const found = detectEach(texts, compiled, rules, (i) => namesOf(leaves[i].frame, leaves[i].key, interned));
  if (found.length === 0) return { value, changed: false, report: report.entries(), spans };

  const hashKey = options.hashKey ?? compiled.hashKey;
  const wantSpans = options.spans !== false;
  let root: unknown = value;
  let spliced: SplicedStrings | undefined;
  for (let i = 0; i < found.length;) {
    const segment = found[i].segment;
    const leaf = leaves[segment];
    const formatted = formatPath(pathOf(leaf));
    const here: AttributedDetection[] = [];
    for (; i < found.length && found[i].segment === segment; i++) {
      const d = found[i];
      here.push(d);
      report.add(d.rule.name, d.detector, formatted);
      if (wantSpans) spans.push({ rule: d.rule.name, detector: d.detector, path: formatted, start: d.start, end: d.end, confidence: d.confidence });
    }
    if (leaf.frame && leaf.text.length >= scanAloneLength) {
      // A long string (a big prompt) is kept as its pieces too, for serializers (`maskedParts`).
      const pieces = maskedPieces(leaf.text, here, hashKey);
      const masked = concatenate(pieces);
      writeLeaf(leaf.frame, leaf.key, masked);
      rememberPieces(leaf.frame.copy!, leaf.key, masked, pieces);
      continue;
    }
    if (leaf.frame && leaf.text.length >= splicedMinLength) {
      // A long string (a prompt) is kept with its original and spans: its bytes upstream can be
      // the client's own with the replacements spliced in (core/json-splice.ts).
      const pieces = maskedPieces(leaf.text, here, hashKey);
      const masked = concatenate(pieces);
      writeLeaf(leaf.frame, leaf.key, masked);
      spliced = rememberSpliced(spliced, leaf.frame, leaf.key, { value: masked, text: leaf.text, spans: here, pieces });
      continue;
    }
    const masked = applyMasks(leaf.text, here, hashKey);
    if (leaf.frame) writeLeaf(leaf.frame, leaf.key, masked);
    else root = masked;
  }
  if (top?.copy) root = top.copy;
  return { value: root as T, changed: root !== value, report: report.entries(), spans, ...(spliced ? { spliced } : {}) };
}

/**
 * From this length on, a masked string of a body is remembered for `splicedJsonBytes`: below it,
 * finding its bytes costs about what serializing it does (≈ 1 µs a kilobyte on the bench's VM).
 */
export const splicedMinLength = 1024;

/** Adds a masked string (in its container's copy, just written) and the copies above it. */
function rememberSpliced(strings: SplicedStrings | undefined, frame: Frame, key: string | number, s: SplicedString): SplicedStrings {
  strings ??= { at: new Map(), within: new Set() };
  const container = frame.copy!;
  let byKey = strings.at.get(container);
  if (!byKey) strings.at.set(container, (byKey = new Map()));
  byKey.set(key, s);
  for (let f: Frame | null = frame; f && !strings.within.has(f.copy!); f = f.parent) strings.within.add(f.copy!);
  return strings;
}

/**
 * Copy-on-write: the new value goes into a copy of its container, that copy into a copy of the
 * container's parent, and so on up to the first container already copied (or the root's).
 */
function writeLeaf(frame: Frame, key: string | number, value: unknown): void {
  for (let f: Frame | null = frame; f; f = f.parent) {
    const copied = f.copy !== undefined;
    f.copy ??= (Array.isArray(f.node) ? f.node.slice() : { ...f.node }) as Record<string | number, unknown>;
    f.copy[key] = value;
    if (copied) return;
    value = f.copy;
    key = f.key;
  }
}

/**
 * The pieces of each long masked string (`maskedPieces`: the original's slices and the
 * replacements), by the copied container that holds it. The masked string itself is their
 * concatenation, which V8 copies into one only when something first reads it character by
 * character; serializers that take `maskedParts` (jsonBytes, jsonPrefix) read the pieces instead,
 * so a masked megabyte prompt goes upstream and into the audit copy without being copied whole.
 */
const longMasked = new WeakMap<object, Map<string | number, { value: string; pieces: readonly string[] }>>();

function rememberPieces(container: object, key: string | number, value: string, pieces: readonly string[]): void {
  let byKey = longMasked.get(container);
  if (!byKey) longMasked.set(container, (byKey = new Map()));
  byKey.set(key, { value, pieces });
}

/**
 * The pieces of the masked string at `container[key]`, if maskJson made it from pieces and it is
 * still there (the same string: compared by reference, never by content).
 */
export const maskedParts: StringParts = (container, key) => {
  const entry = longMasked.get(container)?.get(key);
  return entry !== undefined && (container as Record<string | number, unknown>)[key] === entry.value ? entry.pieces : undefined;
};
