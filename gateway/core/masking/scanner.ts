import { alternatives, contextWindow, type Alternative, type BuiltinDetectorName } from './detectors';
import { passes, type PassSpec } from './passes';

/** One detected value in a string: offsets are UTF-16 indexes into that string, end exclusive. */
export interface Detection {
  detector: string;
  start: number;
  end: number;
  confidence: number;
}

/** A custom detector compiled from a policy rule (see `custom-detectors.ts`). */
export interface CustomDetector {
  name: string;
  regex: RegExp;
  confidence: number;
  context?: RegExp;
  /** True when a match may contain whitespace: streams then hold back more text. */
  spansWhitespace: boolean;
}

/**
 * Finds every detector's values in a string with ONE pass of a combined regex over the built-in
 * detectors (plus one pass per custom detector). Built once per distinct detector set and reused.
 *
 * @example
 * const scanner = createScanner(['card', 'email'], []);
 * scanner.scan('pay 4111 1111 1111 1111 or mail a@b.io')
 * // => [{ detector: 'card', start: 4, end: 23, confidence: 0.95 }, { detector: 'email', start: 32, end: 38, confidence: 0.9 }]
 */
export interface Scanner {
  readonly detectors: ReadonlySet<string>;
  readonly custom: readonly CustomDetector[];
  scan(text: string): Detection[];
}

interface CombinedAlternative {
  alt: Alternative;
  /** Index of this alternative's wrapping group in the combined match. */
  group: number;
  /** Number of capture groups inside the alternative. */
  inner: number;
  /** The alternative alone, sticky, for retrying a position after a failed check. */
  sticky: RegExp;
}

export function createScanner(builtins: Iterable<BuiltinDetectorName>, custom: readonly CustomDetector[]): Scanner {
  const wanted = new Set<string>(builtins);
  const compiledPasses = passes
    .map((p) => compilePass(alternatives.filter((a) => a.pass === p.name && wanted.has(a.detector)), p))
    .filter((p): p is CompiledPass => p !== null);
  const detectors = new Set<string>([...wanted, ...custom.map((c) => c.name)]);

  return {
    detectors,
    custom,
    scan(text) {
      const out: Detection[] = [];
      for (const p of compiledPasses) {
        if (p.spec.trigger && !p.spec.trigger.test(text)) continue;
        if (p.spec.starts && text.length >= p.spec.startsMinLength!) scanStarts(p, text, out);
        else if (p.spec.startChars && text.length >= p.spec.startsMinLength!) scanStartChars(p, text, out);
        else if (p.spec.windowsAfter) scanWindows(p, text, out);
        else scanPass(p, text, out);
      }
      for (const c of custom) scanCustom(c, text, out);
      return compiledPasses.length + custom.length > 1 ? resolveOverlaps(out) : out;
    },
  };
}

interface CompiledPass {
  regex: RegExp;
  /** The same combined regex, sticky: tried at chosen positions. */
  sticky: RegExp;
  spec: PassSpec;
  alts: CombinedAlternative[];
}

function compilePass(alts: Alternative[], spec: PassSpec): CompiledPass | null {
  if (alts.length === 0) return null;
  let group = 1;
  const combined: CombinedAlternative[] = alts.map((alt) => {
    const inner = countGroups(alt.source);
    const entry = { alt, group, inner, sticky: new RegExp(alt.source, 'y') };
    group += inner + 1;
    return entry;
  });
  const source = combined.length === 1 ? combined[0].alt.source : combined.map((c) => `(${c.alt.source})`).join('|');
  if (combined.length === 1) combined[0].group = 0;
  // Every pass gets a spec of one shape: the scan loop reads these fields per pass, and specs of
  // five different shapes made those reads megamorphic (measured ~5 % on streamed deltas).
  const uniform: PassSpec = {
    name: spec.name,
    trigger: spec.trigger,
    starts: spec.starts,
    startChars: spec.startChars,
    startsBefore: spec.startsBefore ?? '',
    startsMinLength: spec.startsMinLength ?? 0,
    windowsAfter: spec.windowsAfter,
    windowLength: spec.windowLength,
    startsGate: spec.startsGate,
  };
  return { regex: new RegExp(source, 'g'), sticky: new RegExp(source, 'y'), spec: uniform, alts: combined };
}

/** Runs the pass at one position; the validated hit or null. */
function tryAt(p: CompiledPass, text: string, at: number): Detection | null {
  p.sticky.lastIndex = at;
  const m = p.sticky.exec(text);
  return m ? resolveAt(p.alts, text, at, m) : null;
}

/** The first alternative that matched at `at` and validates (later alternatives retried on failure). */
function resolveAt(alts: CombinedAlternative[], text: string, at: number, m: RegExpExecArray): Detection | null {
  let k = 0;
  while (m[alts[k].group] === undefined) k++;
  let hit = check(alts[k], text, at, at + m[0].length, m);
  for (let j = k + 1; !hit && j < alts.length; j++) {
    const c = alts[j];
    c.sticky.lastIndex = at;
    const mj = c.sticky.exec(text);
    if (mj) hit = check(c, text, at, at + mj[0].length, mj, 0);
  }
  return hit;
}

function scanStarts(p: CompiledPass, text: string, out: Detection[]): void {
  const starts = p.spec.starts!;
  const before = p.spec.startsBefore!;
  const gate = p.spec.startsGate;
  starts.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = starts.exec(text)) !== null) {
    const at = m.index;
    const skipTo = gate ? gate(text, at) : -1;
    if (skipTo >= 0) {
      starts.lastIndex = Math.max(skipTo, at + 1);
      continue;
    }
    const hit = (before && at > 0 && before.includes(text[at - 1]) && tryAt(p, text, at - 1)) || tryAt(p, text, at);
    if (hit) out.push(hit);
    starts.lastIndex = hit ? Math.max(hit.end, at + 1) : at + 1;
  }
}

/**
 * `scanStarts` with every position of the spec's `startChars` as candidates, in order: one
 * indexOf cursor per character (each position is searched for once).
 */
function scanStartChars(p: CompiledPass, text: string, out: Detection[]): void {
  const chars = p.spec.startChars!;
  const gate = p.spec.startsGate;
  const next: number[] = [];
  for (let k = 0; k < chars.length; k++) next.push(text.indexOf(chars[k]));
  let resume = 0;
  for (;;) {
    let k = -1;
    for (let j = 0; j < next.length; j++) if (next[j] >= 0 && (k < 0 || next[j] < next[k])) k = j;
    if (k < 0) return;
    const at = next[k];
    next[k] = text.indexOf(chars[k], at + 1);
    if (at < resume || (gate && gate(text, at) >= 0)) continue;
    const hit = tryAt(p, text, at);
    if (hit) {
      out.push(hit);
      resume = hit.end;
    }
  }
}

/**
 * Runs the pass on the text right after each marker. Overlapping windows are merged, so a value
 * straddling two windows is still seen whole; a NUL ends a window (see `boundary`).
 */
function scanWindows(p: CompiledPass, text: string, out: Detection[]): void {
  const marks = p.spec.windowsAfter!;
  const length = p.spec.windowLength!;
  marks.lastIndex = 0;
  let from = -1;
  let to = -1;
  let m: RegExpExecArray | null;
  while ((m = marks.exec(text)) !== null) {
    const start = m.index + m[0].length;
    const end = nextBoundary(text, start, Math.min(text.length, start + length));
    if (start <= to) {
      to = Math.max(to, end);
      continue;
    }
    if (to >= 0) scanWindow(p, text, from, to, out);
    from = start;
    to = end;
  }
  if (to >= 0) scanWindow(p, text, from, to, out);
}

/**
 * Detections starting in [from, to) and ending by `to + 1`. The slice has two characters of
 * margin after `to`, so lookaheads see the real text: a longer run cut by the window is no match.
 */
function scanWindow(p: CompiledPass, text: string, from: number, to: number, out: Detection[]): void {
  const offset = Math.max(0, from - 1);
  const found: Detection[] = [];
  scanPass(p, text.slice(offset, Math.min(text.length, to + 2)), found);
  for (const d of found) {
    const start = d.start + offset;
    const end = d.end + offset;
    if (start >= from && end <= to + 1) out.push({ detector: d.detector, start, end, confidence: d.confidence });
  }
}

/** The first NUL in [from, to), or `to`. (indexOf on a slice: bounded, and far faster than a charCodeAt loop.) */
function nextBoundary(text: string, from: number, to: number): number {
  const nul = text.slice(from, to).indexOf('\u0000');
  return nul < 0 ? to : from + nul;
}

function scanPass(p: CompiledPass, text: string, out: Detection[]): void {
  const { regex, alts } = p;
  regex.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(text)) !== null) {
    const at = m.index;
    const hit = resolveAt(alts, text, at, m);
    if (hit) {
      out.push(hit);
      regex.lastIndex = Math.max(hit.end, at + 1);
    } else {
      regex.lastIndex = at + 1;
    }
  }
}

function check(c: CombinedAlternative, text: string, start: number, end: number, m: RegExpExecArray, base = c.group): Detection | null {
  const groups = c.inner ? m.slice(base + 1, base + 1 + c.inner) : [];
  const hit = c.alt.check(text, start, end, groups);
  return hit && hit.end > hit.start ? { detector: c.alt.detector, start: hit.start, end: hit.end, confidence: hit.confidence } : null;
}

function scanCustom(c: CustomDetector, text: string, out: Detection[]): void {
  c.regex.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = c.regex.exec(text)) !== null) {
    if (m[0].length === 0) {
      c.regex.lastIndex++;
      continue;
    }
    const boosted = c.context && c.context.test(text.slice(Math.max(0, m.index - contextWindow), m.index));
    out.push({ detector: c.name, start: m.index, end: m.index + m[0].length, confidence: Math.min(1, c.confidence + (boosted ? 0.4 : 0)) });
  }
}

/** Sorted by start; on overlap the earlier (then the longer) detection wins. */
export function resolveOverlaps(list: Detection[]): Detection[] {
  list.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Detection[] = [];
  let lastEnd = -1;
  for (const d of list) {
    if (d.start < lastEnd) continue;
    out.push(d);
    lastEnd = d.end;
  }
  return out;
}

/** Number of capture groups in a regex source. */
export function countGroups(source: string): number {
  return new RegExp(`${source}|`).exec('')!.length - 1;
}
