import type { CompiledMasking, CompiledRule } from './compile';
import { formatPath, matchPath } from './json-path';
import { applyMasks, detect, ReportBuilder, selectRules, type AttributedDetection, type MaskOptions, type MaskResult, type MaskSpan } from './mask-text';
import { replacement } from './styles';

/**
 * Masks a parsed JSON body for one copy (audit, upstream or client): field rules by path
 * (mask-whole, or detectors only there) and detectors on every other string the rules cover.
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
    const found = detect(text, this.compiled, rules);
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

/**
 * Between the strings of a batched body: no detector matches across it, and it is longer than
 * the context window, so context words of one string never count for the next.
 */
const separator = '\u0000'.repeat(64);

interface Leaf {
  path: (string | number)[];
  text: string;
  start: number;
  number: boolean;
}

/**
 * When every rule detects everywhere (no field paths), all strings of the body are joined and
 * scanned in one pass: the per-string fixed cost of a scan dominates on bodies of many short
 * strings. Detections are mapped back to their string by offset.
 */
function maskJsonBatched<T>(value: T, compiled: CompiledMasking, rules: CompiledRule[], options: MaskOptions): MaskResult<T> {
  const leaves: Leaf[] = [];
  const path: (string | number)[] = [];
  let offset = 0;
  const collect = (node: unknown): void => {
    if (typeof node === 'string') {
      if (node.length < 3) return;
      leaves.push({ path: path.slice(), text: node, start: offset, number: false });
      offset += node.length + separator.length;
    } else if (typeof node === 'number') {
      if (!Number.isSafeInteger(node) || Math.abs(node) < 1e8) return;
      const text = String(node);
      leaves.push({ path: path.slice(), text, start: offset, number: true });
      offset += text.length + separator.length;
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        collect(node[i]);
        path.pop();
      }
    } else if (node !== null && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      for (const key in obj) {
        if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
        path.push(key);
        collect(obj[key]);
        path.pop();
      }
    }
  };
  collect(value);
  const report = new ReportBuilder();
  const spans: MaskSpan[] = [];
  if (leaves.length === 0) return { value, changed: false, report: report.entries(), spans };
  const joined = leaves.length === 1 ? leaves[0].text : leaves.map((l) => l.text).join(separator);
  const found = detect(joined, compiled, rules);
  if (found.length === 0) return { value, changed: false, report: report.entries(), spans };

  const hashKey = options.hashKey ?? compiled.hashKey;
  const wantSpans = options.spans !== false;
  const clones = new Map<object, object>();
  let root: unknown = value;
  let li = 0;
  for (let i = 0; i < found.length;) {
    while (li + 1 < leaves.length && leaves[li + 1].start <= found[i].start) li++;
    const leaf = leaves[li];
    const here: AttributedDetection[] = [];
    const formatted = formatPath(leaf.path);
    for (; i < found.length && (li + 1 >= leaves.length || found[i].start < leaves[li + 1].start); i++) {
      const d = found[i];
      const start = d.start - leaf.start;
      const end = Math.min(d.end - leaf.start, leaf.text.length);
      if (start < 0 || start >= leaf.text.length) continue;
      d.start = start;
      d.end = end;
      here.push(d);
      report.add(d.rule.name, d.detector, formatted);
      if (wantSpans) spans.push({ rule: d.rule.name, detector: d.detector, path: formatted, start, end, confidence: d.confidence });
    }
    if (here.length) root = setIn(root, leaf.path, applyMasks(leaf.text, here, hashKey), clones);
  }
  return { value: root as T, changed: root !== value, report: report.entries(), spans };
}

/** Copy-on-write set: containers along the path are cloned once (tracked in `clones`). */
function setIn(root: unknown, path: readonly (string | number)[], value: unknown, clones: Map<object, object>): unknown {
  if (path.length === 0) return value;
  const cloneOf = (node: object): Record<string | number, unknown> => {
    let c = clones.get(node);
    if (!c) {
      c = Array.isArray(node) ? node.slice() : { ...(node as Record<string, unknown>) };
      clones.set(node, c);
      clones.set(c, c);
    }
    return c as Record<string | number, unknown>;
  };
  const top = cloneOf(root as object);
  let node = top;
  for (let i = 0; i < path.length - 1; i++) {
    const child = cloneOf(node[path[i]] as object);
    node[path[i]] = child;
    node = child;
  }
  node[path[path.length - 1]] = value;
  return top;
}
