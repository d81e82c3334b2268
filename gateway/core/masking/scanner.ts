import type { LinearRegex } from '../linear-regex';
import { builtinAlternatives, type Alternative, type BuiltinDetectorName, type DetectorSettings } from './detectors';
import { fixedMatchLength } from './fixed-length';
import { passes, tokenRunWindows, type PassSpec } from './passes';
import { boundedRegex, boundedSource, segmentBoundary } from './segment-bound';
import { textContext, ValueContext } from './value-context';

/** One detected value in a string: offsets are UTF-16 indexes into that string, end exclusive. */
export interface Detection {
  detector: string;
  start: number;
  end: number;
  confidence: number;
}

/** A detection in one of the strings of `scanEach`: offsets index that string. */
export interface SegmentDetection extends Detection {
  /** Index of the string in the batch. */
  segment: number;
}

/** A custom detector compiled from a policy rule (see `custom-detectors.ts`). */
export interface CustomDetector {
  name: string;
  regex: LinearRegex;
  confidence: number;
  context?: RegExp;
  /** True when a match may contain whitespace: streams then hold back more text. */
  spansWhitespace: boolean;
}

/**
 * Finds every detector's values in a string with ONE pass of a combined regex over the built-in
 * detectors (plus one pass per custom detector). Built once per distinct detector set and reused.
 * Many strings (the strings of a JSON body) are scanned in one pass too (`scanEach`), joined at
 * a boundary no regex can match or look across (`segment-bound.ts`): each string is found as
 * if scanned alone. The member names of a string's JSON value count as context for its values.
 *
 * @example
 * const scanner = createScanner(['card', 'email'], []);
 * scanner.scan('pay 4111 1111 1111 1111 or mail a@b.io')
 * // => [{ detector: 'card', start: 4, end: 23, confidence: 0.95 }, { detector: 'email', start: 32, end: 38, confidence: 0.9 }]
 */
export interface Scanner {
  readonly detectors: ReadonlySet<string>;
  readonly custom: readonly CustomDetector[];
  /** The detections in `text`; `names`: the member names of the JSON value it is, if any (raw, space-separated). */
  scan(text: string, names?: string): Detection[];
  /**
   * `scan` of each text, in one pass over them all: in order of text, then of start.
   * `names(i)`: the member names of text i (see `scan`).
   */
  scanEach(texts: readonly string[], names: (i: number) => string): SegmentDetection[];
}

interface CombinedAlternative {
  alt: Alternative;
  /** Index of this alternative's wrapping group in the combined match. */
  group: number;
  /** Number of capture groups inside the alternative. */
  inner: number;
  /** The alternative alone, sticky, for retrying a position after a failed check. */
  sticky: RegExp;
  /** The alternative's source, bounded (see `segment-bound.ts`). */
  source: string;
}

/** From this length on, a string of a batch is scanned alone (see `scanEach`). */
export const scanAloneLength = 64 * 1024;

/** `passList`: the passes to run, `passes` unless a test gives variants of them. */
export function createScanner(builtins: Iterable<BuiltinDetectorName>, custom: readonly CustomDetector[], settings: DetectorSettings = {}, passList: readonly PassSpec[] = passes): Scanner {
  const wanted = new Set<string>(builtins);
  const alternatives = builtinAlternatives(settings);
  const compiledPasses = passList
    .map((p) => compilePass(alternatives.filter((a) => a.pass === p.name && wanted.has(a.detector)), p))
    .filter((p): p is CompiledPass => p !== null);
  const detectors = new Set<string>([...wanted, ...custom.map((c) => c.name)]);

  const scanText = (text: string, context: ValueContext): Detection[] => {
    const out: Detection[] = [];
    for (const p of compiledPasses) {
      // Where the pass searches for its starts (long texts), the trigger would only scan the
      // text once more: a regex whose first character is a class tries every position (≈ 1 ms per MB).
      if (p.spec.runs && text.length >= p.spec.startsMinLength!) scanRuns(p, text, context, out);
      else if (p.spec.starts && text.length >= p.spec.startsMinLength!) scanStarts(p, text, context, out);
      else if (p.spec.startChars && text.length >= p.spec.startsMinLength!) scanStartChars(p, text, context, out);
      else if (p.spec.trigger && !p.spec.trigger.test(text)) continue;
      else if (p.spec.windowsAfter) scanWindows(p, text, context, out);
      else scanRange(p, text, 0, text.length, context, out);
    }
    for (const c of custom) scanCustom(c, text, context, out);
    return compiledPasses.length + custom.length > 1 ? resolveOverlaps(out) : out;
  };

  const scanner: Scanner = {
    detectors,
    custom,
    scan(text, names = '') {
      return scanText(text, textContext(text, names));
    },
    scanEach(texts, names) {
      if (texts.length === 0) return [];
      // A long string (a big prompt) is scanned alone where it stands: joining it with the others
      // would copy it for nothing, as batching only saves the fixed cost per scan of short strings.
      let long = -1;
      for (let i = 0; i < texts.length && long === -1; i++) if (texts[i].length >= scanAloneLength) long = i;
      if (long !== -1 && texts.length > 1) {
        const before = long === 0 ? [] : scanner.scanEach(texts.slice(0, long), names);
        const alone = scanner.scan(texts[long], names(long)) as SegmentDetection[];
        for (const d of alone) d.segment = long;
        const after = long === texts.length - 1 ? [] : scanner.scanEach(texts.slice(long + 1), (i) => names(long + 1 + i));
        for (const d of after) d.segment += long + 1;
        return before.concat(alone, after);
      }
      const starts: number[] = new Array(texts.length);
      let at = 0;
      for (let i = 0; i < texts.length; i++) {
        starts[i] = at;
        at += texts[i].length + segmentBoundary.length;
      }
      const joined = texts.length === 1 ? texts[0] : texts.join(segmentBoundary);
      const found = scanText(joined, new ValueContext(joined, starts, names)) as SegmentDetection[];
      // Detections come sorted by start and never cross a boundary: one cursor maps them back.
      let i = 0;
      for (const d of found) {
        while (i + 1 < starts.length && starts[i + 1] <= d.start) i++;
        d.segment = i;
        d.start -= starts[i];
        d.end -= starts[i];
      }
      return found;
    },
  };
  return scanner;
}

interface CompiledPass {
  regex: RegExp;
  /** The same combined regex, sticky: tried at chosen positions. */
  sticky: RegExp;
  spec: PassSpec;
  alts: CombinedAlternative[];
  /** The length of every match of `spec.starts` (`fixed-length.ts`), or -1 when the pattern does not fix it. */
  startsLength: number;
  /** One alternative, without capture groups. */
  plain: boolean;
}

function compilePass(alts: Alternative[], spec: PassSpec): CompiledPass | null {
  if (alts.length === 0) return null;
  let group = 1;
  const combined: CombinedAlternative[] = alts.map((alt) => {
    const inner = countGroups(alt.source);
    const source = boundedSource(alt.source, '');
    const entry = { alt, group, inner, sticky: new RegExp(source, 'y'), source };
    group += inner + 1;
    return entry;
  });
  const source = combined.length === 1 ? combined[0].source : combined.map((c) => `(${c.source})`).join('|');
  if (combined.length === 1) combined[0].group = 0;
  // Every pass gets a spec of one shape: the scan loop reads these fields per pass, and specs of
  // five different shapes made those reads megamorphic (measured ~5 % on streamed deltas).
  // Its regexes are bounded like the alternatives: a start or a window never spans a boundary.
  const uniform: PassSpec = {
    name: spec.name,
    trigger: spec.trigger,
    starts: spec.starts && boundedRegex(spec.starts),
    startChars: spec.startChars,
    startsBefore: spec.startsBefore ?? '',
    startsMinLength: spec.startsMinLength ?? 0,
    windowsAfter: spec.windowsAfter && boundedRegex(spec.windowsAfter),
    windowLength: spec.windowLength,
    minLength: spec.minLength ?? 0,
    startsGate: spec.startsGate,
    runs: spec.runs,
  };
  const startsLength = uniform.starts ? (fixedMatchLength(uniform.starts) ?? -1) : -1;
  return { regex: new RegExp(source, 'g'), sticky: new RegExp(source, 'y'), spec: uniform, alts: combined, startsLength, plain: combined.length === 1 && combined[0].inner === 0 };
}

/** Runs the pass at one position; the validated hit or null. */
function tryAt(p: CompiledPass, text: string, at: number, context: ValueContext): Detection | null {
  p.sticky.lastIndex = at;
  // One alternative without groups: where its match ends is all the check needs, and `test` makes no match array.
  if (p.plain) return p.sticky.test(text) ? check(p.alts[0], text, at, p.sticky.lastIndex, null, context) : null;
  const m = p.sticky.exec(text);
  return m ? resolveAt(p.alts, text, at, m, context) : null;
}

/** The first alternative that matched at `at` and validates (later alternatives retried on failure). */
function resolveAt(alts: CombinedAlternative[], text: string, at: number, m: RegExpExecArray, context: ValueContext): Detection | null {
  let k = 0;
  while (m[alts[k].group] === undefined) k++;
  let hit = check(alts[k], text, at, at + m[0].length, m, context);
  for (let j = k + 1; !hit && j < alts.length; j++) {
    const c = alts[j];
    c.sticky.lastIndex = at;
    const mj = c.sticky.exec(text);
    if (mj) hit = check(c, text, at, at + mj[0].length, mj, context, 0);
  }
  return hit;
}

function scanStarts(p: CompiledPass, text: string, context: ValueContext, out: Detection[]): void {
  const starts = p.spec.starts!;
  const before = p.spec.startsBefore!;
  const gate = p.spec.startsGate;
  // Only where each start is matters: when every match has the same length, `test` finds it
  // (start = lastIndex − length) without the match array `exec` builds per candidate.
  const length = p.startsLength;
  starts.lastIndex = 0;
  for (;;) {
    let at: number;
    if (length >= 0) {
      if (!starts.test(text)) return;
      at = starts.lastIndex - length;
    } else {
      const m = starts.exec(text);
      if (m === null) return;
      at = m.index;
    }
    const skipTo = gate ? gate(text, at) : -1;
    if (skipTo >= 0) {
      starts.lastIndex = Math.max(skipTo, at + 1);
      continue;
    }
    const hit = (before && at > 0 && before.includes(text[at - 1]) && tryAt(p, text, at - 1, context)) || tryAt(p, text, at, context);
    if (hit) out.push(hit);
    starts.lastIndex = hit ? Math.max(hit.end, at + 1) : at + 1;
  }
}

/**
 * `scanStarts` with every position of the spec's `startChars` as candidates, in order: one
 * indexOf cursor per character (each position is searched for once).
 */
function scanStartChars(p: CompiledPass, text: string, context: ValueContext, out: Detection[]): void {
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
    const hit = tryAt(p, text, at, context);
    if (hit) {
      out.push(hit);
      resume = hit.end;
    }
  }
}

/**
 * `scanRange` over the whole text, in the windows of its token runs only (`tokenRunWindows`), or
 * over all of it when there are none to rely on. Each window's regex runs on the window and one
 * character either side, from the window's start (or the end of the last hit): every match lies
 * in a window and reads no further than that, so this finds what the whole scan finds.
 */
function scanRuns(p: CompiledPass, text: string, context: ValueContext, out: Detection[]): void {
  const windows = tokenRunWindows(text, p.spec.runs!);
  if (windows === null) return void scanRange(p, text, 0, text.length, context, out);
  let resume = 0;
  for (let k = 0; k < windows.length; k += 2) {
    const start = Math.max(windows[k], resume);
    const end = windows[k + 1];
    if (start < end) resume = scanRange(p, text, start > 0 ? start - 1 : 0, Math.min(text.length, end + 1), context, out, start);
  }
}

/**
 * Runs the pass on the text right after each marker, and on the whole of each string whose
 * member names hold a marker (`"aws_secret_access_key": "…"`). Overlapping windows are merged,
 * so a value straddling two windows is still seen whole; a boundary ends a window.
 */
function scanWindows(p: CompiledPass, text: string, context: ValueContext, out: Detection[]): void {
  const marks = p.spec.windowsAfter!;
  const length = p.spec.windowLength!;
  const windows: number[] = [];
  marks.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = marks.exec(text)) !== null) {
    const start = m.index + m[0].length;
    windows.push(start, nextBoundary(text, start, Math.min(text.length, start + length)));
  }
  const fromMarks = windows.length;
  if (context.hasNames) {
    const named = new Map<string, boolean>(); // per distinct names: a body has few
    const minLength = p.spec.minLength!;
    for (let i = 0; i < context.segments; i++) {
      if (context.segmentEnd(i) - context.segmentStart(i) < minLength) continue;
      const names = context.segmentNames(i);
      let marked = named.get(names);
      if (marked === undefined) {
        marks.lastIndex = 0;
        named.set(names, (marked = names !== '' && marks.test(names)));
      }
      if (marked) windows.push(context.segmentStart(i), context.segmentEnd(i));
    }
  }
  if (windows.length === 0) return;
  if (fromMarks > 0 && windows.length > fromMarks) sortPairs(windows);
  let from = windows[0];
  let to = windows[1];
  for (let i = 2; i < windows.length; i += 2) {
    if (windows[i] <= to) {
      to = Math.max(to, windows[i + 1]);
      continue;
    }
    scanWindow(p, text, from, to, context, out);
    from = windows[i];
    to = windows[i + 1];
  }
  scanWindow(p, text, from, to, context, out);
}

/** Sorts [start, end, start, end, ...] by start. */
function sortPairs(pairs: number[]): void {
  const list: [number, number][] = [];
  for (let i = 0; i < pairs.length; i += 2) list.push([pairs[i], pairs[i + 1]]);
  list.sort((a, b) => a[0] - b[0]);
  list.forEach(([a, b], i) => {
    pairs[2 * i] = a;
    pairs[2 * i + 1] = b;
  });
}

/**
 * Detections starting in [from, to) and ending by `to + 1`. The regex runs on a slice with two
 * characters of margin after `to`, so lookaheads see the real text: a longer run cut by the
 * window is no match.
 */
function scanWindow(p: CompiledPass, text: string, from: number, to: number, context: ValueContext, out: Detection[]): void {
  const found: Detection[] = [];
  scanRange(p, text, Math.max(0, from - 1), Math.min(text.length, to + 2), context, found);
  for (const d of found) if (d.start >= from && d.end <= to + 1) out.push(d);
}

/** The first boundary in [from, to), or `to`. (indexOf on a slice: bounded, and far faster than a charCodeAt loop.) */
function nextBoundary(text: string, from: number, to: number): number {
  const b = text.slice(from, to).indexOf(segmentBoundary);
  return b < 0 ? to : from + b;
}

/**
 * The pass's combined regex over text[from, to): run on that slice (so a search never runs past
 * `to`), each match checked in the whole text (so checks and context see the real text).
 * The search starts at `startAt` (a window's scan reads one character before it); the result is
 * where a next search may start (past the last hit).
 */
function scanRange(p: CompiledPass, text: string, from: number, to: number, context: ValueContext, out: Detection[], startAt = from): number {
  const { regex, alts } = p;
  const range = from === 0 && to === text.length ? text : text.slice(from, to);
  let resume = startAt;
  regex.lastIndex = startAt - from;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(range)) !== null) {
    const at = from + m.index;
    const hit = resolveAt(alts, text, at, m, context);
    if (hit) out.push(hit);
    resume = hit ? Math.max(hit.end, at + 1) : at + 1;
    regex.lastIndex = resume - from;
  }
  return resume;
}

/** `m`: the match, when the alternative has groups. */
function check(c: CombinedAlternative, text: string, start: number, end: number, m: RegExpExecArray | null, context: ValueContext, base = c.group): Detection | null {
  const groups = c.inner ? m!.slice(base + 1, base + 1 + c.inner) : noGroups;
  // The built-in checks make their hits in a Detection's shape (detectors.ts `full`): one object per value.
  const hit = c.alt.check(text, start, end, groups, context) as Detection | null;
  if (hit === null || hit.end <= hit.start) return null;
  hit.detector = c.alt.detector;
  return hit;
}

const noGroups: readonly (string | undefined)[] = [];

/**
 * Custom detectors run on the linear-time engine, which has no lookaround for `boundedRegex` to
 * bound them with at a batch boundary: each runs on the segments between boundaries instead, so
 * a boundary acts as the edge of the text all the same.
 */
function scanCustom(c: CustomDetector, text: string, context: ValueContext, out: Detection[]): void {
  for (let from = 0; from <= text.length; ) {
    let to = text.indexOf(segmentBoundary, from);
    if (to < 0) to = text.length;
    const segment = from === 0 && to === text.length ? text : text.slice(from, to);
    for (const [start, end] of c.regex.matches(segment)) {
      const boosted = c.context && context.has(c.context, from + start);
      out.push({ detector: c.name, start: from + start, end: from + end, confidence: Math.min(1, c.confidence + (boosted ? 0.4 : 0)) });
    }
    from = to + 1;
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
