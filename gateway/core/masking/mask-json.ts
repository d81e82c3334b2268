import type { CompiledMasking, CompiledRule } from './compile';
import { formatPath, matchPath } from './json-path';
import { applyMasks, detect, ReportBuilder, selectRules, type MaskOptions, type MaskResult, type MaskSpan } from './mask-text';
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
