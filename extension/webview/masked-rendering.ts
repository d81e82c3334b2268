import { formatPath } from '../../gateway/core/masking/json-path';
import type { MaskSpan } from '../../gateway/core/masking';
import type { MaskHighlight } from './protocol';

export interface MaskedRendering {
  text: string;
  highlights: MaskHighlight[];
}

/**
 * Pretty-prints a masked JSON value (2-space indent, like JSON.stringify) and finds each masked
 * span in that text. The core reports spans as offsets into the ORIGINAL strings; here they are
 * moved onto the replacements in the masked strings, then through JSON string escaping.
 *
 * @example
 * renderMaskedJson({ a: 'mail x@y.io' }, { a: 'mail [REDACTED:EMAIL]' }, [{ rule: 'pii', detector: 'email', path: '$.a', start: 5, end: 11, confidence: 0.9 }])
 * // => { text: '{\n  "a": "mail [REDACTED:EMAIL]"\n}', highlights: [{ start: 15, end: 31, rule: 'pii', detector: 'email', path: '$.a' }] }
 */
export function renderMaskedJson(original: unknown, masked: unknown, spans: readonly MaskSpan[]): MaskedRendering {
  const byPath = new Map<string, MaskSpan[]>();
  for (const s of spans) {
    const list = byPath.get(s.path);
    if (list) list.push(s);
    else byPath.set(s.path, [s]);
  }
  let text = '';
  const highlights: MaskHighlight[] = [];
  const path: (string | number)[] = [];

  const writeString = (value: string, orig: unknown) => {
    const here = byPath.get(formatPath(path));
    if (!here) {
      text += JSON.stringify(value);
      return;
    }
    const ranges = typeof orig === 'string' && here[0]!.detector !== 'field' ? alignReplacements(orig, value, here) : undefined;
    const marks = ranges ?? [{ start: 0, end: value.length, span: here[0]! }];
    text += '"';
    let at = 0;
    for (const m of marks) {
      text += escape(value.slice(at, m.start));
      const start = text.length;
      text += escape(value.slice(m.start, m.end));
      highlights.push({ start, end: text.length, rule: m.span.rule, detector: m.span.detector, path: m.span.path });
      at = m.end;
    }
    text += escape(value.slice(at)) + '"';
  };

  const write = (value: unknown, orig: unknown, indent: string) => {
    if (typeof value === 'string') return writeString(value, orig);
    if (value === null || typeof value !== 'object') {
      text += JSON.stringify(value) ?? 'null';
      return;
    }
    const inner = indent + '  ';
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as object);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (!entries.length) {
      text += open + close;
      return;
    }
    text += open + '\n';
    entries.forEach(([key, v], i) => {
      text += inner;
      if (typeof key === 'string') text += JSON.stringify(key) + ': ';
      path.push(key);
      write(v, (orig as Record<string | number, unknown> | null | undefined)?.[key], inner);
      path.pop();
      text += (i < entries.length - 1 ? ',' : '') + '\n';
    });
    text += indent + close;
  };

  write(masked, original, '');
  return { text, highlights };
}

/**
 * Masked free text with its spans moved onto the replacements.
 *
 * @example
 * renderMaskedText('mail x@y.io', 'mail [REDACTED:EMAIL]', [{ rule: 'pii', detector: 'email', path: '$', start: 5, end: 11, confidence: 0.9 }]).highlights
 * // => [{ start: 5, end: 21, rule: 'pii', detector: 'email', path: '$' }]
 */
export function renderMaskedText(original: string, masked: string, spans: readonly MaskSpan[]): MaskedRendering {
  const ranges = alignReplacements(original, masked, spans) ?? (spans.length ? [{ start: 0, end: masked.length, span: spans[0]! }] : []);
  return { text: masked, highlights: ranges.map((r) => ({ start: r.start, end: r.end, rule: r.span.rule, detector: r.span.detector, path: r.span.path })) };
}

/**
 * Where each span's replacement lies in the masked string. Replacements are `[LABEL…]` tokens
 * (placeholder, hash) or, for the partial style, as long as the value they replace; the text
 * between spans is unchanged. Undefined when the masked string does not fit that shape.
 */
export function alignReplacements(original: string, masked: string, spans: readonly MaskSpan[]): { start: number; end: number; span: MaskSpan }[] | undefined {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: { start: number; end: number; span: MaskSpan }[] = [];
  let o = 0;
  let m = 0;
  for (const span of sorted) {
    if (span.start < o) return undefined;
    const gap = original.slice(o, span.start);
    if (!masked.startsWith(gap, m)) return undefined;
    m += gap.length;
    const end = masked[m] === '[' ? masked.indexOf(']', m) + 1 : m + (span.end - span.start);
    if (end <= m) return undefined;
    out.push({ start: m, end, span });
    m = end;
    o = span.end;
  }
  return masked.slice(m) === original.slice(o) ? out : undefined;
}

const escape = (s: string) => JSON.stringify(s).slice(1, -1);
