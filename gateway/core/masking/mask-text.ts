import type { SplicedStrings } from '../json-splice';
import type { MaskReportEntry } from '../types';
import type { CompiledMasking, CompiledRule, MaskWhere } from './compile';
import { parseConcretePath } from './json-path';
import type { Detection, SegmentDetection } from './scanner';
import { replacement } from './styles';
import { memberNames } from './value-context';

/** One masked value: where it was and why. Offsets index the ORIGINAL string at `path`. */
export interface MaskSpan {
  rule: string;
  detector: string;
  path: string;
  start: number;
  end: number;
  confidence: number;
}

export interface MaskOptions {
  /** Which copy is being made. `audit` applies every applicable rule plus the default audit masking. */
  where: MaskWhere;
  /** Names of the rules that apply (decision.masks); omitted: every rule of the spec. */
  ruleNames?: readonly string[];
  /** Overrides the compiled hash key. */
  hashKey?: Uint8Array | string;
  /** Collect spans (offsets) too; reports are always built. Default true. */
  spans?: boolean;
}

export interface MaskResult<T> {
  value: T;
  /** Whether anything was replaced. */
  changed: boolean;
  report: MaskReportEntry[];
  spans: MaskSpan[];
  /** A body's long masked strings, for writing its bytes from the client's (`splicedJsonBytes`). */
  spliced?: SplicedStrings;
}

/** A detection assigned to the first applicable rule that runs its detector. */
export interface AttributedDetection extends Detection {
  rule: CompiledRule;
}

/** An attributed detection in one string of a batch (`detectEach`). */
export interface AttributedSegmentDetection extends SegmentDetection {
  rule: CompiledRule;
}

/**
 * The rules that apply to one copy, in policy order (the default audit rule last).
 *
 * @example
 * selectRules(compiled, 'upstream', ['pci']).map((r) => r.name) // => ['pci'] when pci has where: [upstream]
 */
export function selectRules(compiled: CompiledMasking, where: MaskWhere, ruleNames?: readonly string[]): CompiledRule[] {
  // A frozen list of names (a decision's masks: core/policy/evaluate-policy.ts) cannot change, so
  // its selection is made once and shared, frozen too: a stream's masker keeps it for its life.
  const key = ruleNames === undefined ? everyRule : Object.isFrozen(ruleNames) ? ruleNames : undefined;
  if (key === undefined) return select(compiled, where, ruleNames);
  let byWhere = selections.get(compiled);
  if (!byWhere) selections.set(compiled, (byWhere = new Map()));
  let byNames = byWhere.get(where);
  if (!byNames) byWhere.set(where, (byNames = new WeakMap()));
  let rules = byNames.get(key);
  if (!rules) byNames.set(key, (rules = Object.freeze(select(compiled, where, ruleNames)) as CompiledRule[]));
  return rules;
}

/** Per compiled masking and copy: the selection for each frozen list of names (`everyRule`: no names). */
const selections = new WeakMap<CompiledMasking, Map<MaskWhere, WeakMap<object, CompiledRule[]>>>();
const everyRule = {};

function select(compiled: CompiledMasking, where: MaskWhere, ruleNames: readonly string[] | undefined): CompiledRule[] {
  const out: CompiledRule[] = [];
  const names = ruleNames ? new Set(ruleNames) : null;
  for (const r of compiled.rules) {
    if (names && !names.has(r.name)) continue;
    if (where === 'audit' || r.where.has(where)) out.push(r);
  }
  if (where === 'audit' && compiled.defaultAudit) out.push(compiled.defaultAudit);
  return out;
}

/**
 * Scans `text` with the union of the rules' detectors and keeps the detections some rule accepts.
 * `names`: the member names of the JSON value the text is (raw, space-separated), context for
 * the detectors that need it.
 *
 * @example
 * detect('mail a@b.io', compiled, selectRules(compiled, 'audit'))
 * // => [{ rule: <rule>, detector: 'email', start: 5, end: 11, confidence: 0.9 }]
 */
export function detect(text: string, compiled: CompiledMasking, rules: readonly CompiledRule[], names = ''): AttributedDetection[] {
  if (rules.length === 0 || text.length === 0) return [];
  return attribute(compiled.scannerFor(rules).scan(text, names), rules);
}

/**
 * `detect` on many strings in one scan: detections carry their string's index and offsets into it.
 *
 * @example
 * detectEach(['ssn', '876729346'], compiled, rules, (i) => ['note', 'ssn'][i])
 * // => [{ segment: 1, rule: <rule>, detector: 'ssn', start: 0, end: 9, confidence: 0.8 }]
 */
export function detectEach(texts: readonly string[], compiled: CompiledMasking, rules: readonly CompiledRule[], names: (i: number) => string): AttributedSegmentDetection[] {
  if (rules.length === 0 || texts.length === 0) return [];
  return attribute(compiled.scannerFor(rules).scanEach(texts, names), rules);
}

/** Keeps the detections some rule accepts, with that rule attached. */
function attribute<D extends Detection>(found: D[], rules: readonly CompiledRule[]): (D & { rule: CompiledRule })[] {
  if (found.length === 0) return found as (D & { rule: CompiledRule })[];
  const out: (D & { rule: CompiledRule })[] = [];
  for (let i = 0; i < found.length; i++) {
    const d = found[i];
    const rule = ruleFor(rules, d);
    if (rule) {
      // Detections are fresh objects from this scan: attach the rule in place (no copy per match).
      (d as D & { rule: CompiledRule }).rule = rule;
      out.push(d as D & { rule: CompiledRule });
    }
  }
  return out;
}

function ruleFor(rules: readonly CompiledRule[], d: Detection): CompiledRule | undefined {
  for (const r of rules) {
    if (d.confidence < r.minConfidence) continue;
    if (r.builtins.has(d.detector as never) || r.custom.some((c) => c.name === d.detector)) return r;
  }
  return undefined;
}

/**
 * Replaces the detections (sorted, non-overlapping) in `text` by each rule's style.
 *
 * @example
 * applyMasks('card 4111111111111111', [{ rule: pci, detector: 'card', start: 5, end: 21, confidence: 0.95 }], key)
 * // => 'card [REDACTED:CARD]'
 */
export function applyMasks(text: string, detections: readonly AttributedDetection[], hashKey: Uint8Array | string): string {
  return detections.length === 0 ? text : concatenate(maskedPieces(text, detections, hashKey));
}

/**
 * `applyMasks` as its pieces: the text's slices between the detections and each detection's
 * replacement, in order. A serializer can read a long masked text from them where they are
 * (core/masking/mask-json.ts `maskedParts`) instead of copying it whole.
 *
 * @example
 * maskedPieces('card 4111111111111111.', [{ rule: pci, detector: 'card', start: 5, end: 21, confidence: 0.95 }], key)
 * // => ['card ', '[REDACTED:CARD]', '.']
 */
export function maskedPieces(text: string, detections: readonly AttributedDetection[], hashKey: Uint8Array | string): string[] {
  const pieces: string[] = [];
  let at = 0;
  for (const d of detections) {
    pieces.push(text.slice(at, d.start), replacement(d.rule.style, d.detector, text.slice(d.start, d.end), hashKey));
    at = d.end;
  }
  pieces.push(text.slice(at));
  return pieces;
}

/**
 * The pieces as one string, by `+`: V8 keeps such a string as a tree of its pieces and copies
 * them into one only when it is first read character by character, where `join` would copy now
 * (a megabyte prompt whose masked copy is only written out by pieces is never copied whole).
 */
export function concatenate(pieces: readonly string[]): string {
  let out = '';
  for (const p of pieces) out += p;
  return out;
}

/** Collects report counts keyed by rule, detector and path (entries in first-seen order). */
export class ReportBuilder {
  /** path -> rule -> detector -> entry: no key string built per detection. Made on the first one: every streamed response has a report, few have detections. */
  private byPath: Map<string, Map<string, Map<string, MaskReportEntry>>> | undefined;
  private list: MaskReportEntry[] | undefined;
  private last: MaskReportEntry | undefined;

  add(rule: string, detector: string, path: string): void {
    const last = this.last;
    if (last !== undefined && last.path === path && last.rule === rule && last.detector === detector) {
      last.count++;
      return;
    }
    const byPath = (this.byPath ??= new Map());
    let rules = byPath.get(path);
    if (!rules) byPath.set(path, (rules = new Map()));
    let detectors = rules.get(rule);
    if (!detectors) rules.set(rule, (detectors = new Map()));
    let entry = detectors.get(detector);
    if (entry) entry.count++;
    else {
      entry = { rule, detector, path, count: 1 };
      detectors.set(detector, entry);
      (this.list ??= []).push(entry);
    }
    this.last = entry;
  }

  entries(): MaskReportEntry[] {
    return this.list ? this.list.slice() : [];
  }
}

/** Options of `maskText`. */
export interface TextMaskOptions extends MaskOptions {
  /** Where the text sits in its JSON document (a streamed slot's path): reported, and its member names count as context. Default '$'. */
  path?: string;
}

/**
 * Masks one free text (a prompt, a streamed answer) with the rules for `where`; path `$` unless given.
 *
 * @example
 * maskText('my ssn is 123-45-6789', compiled, { where: 'audit' }).value // => 'my ssn is [REDACTED:SSN]'
 * maskText('876729346', compiled, { where: 'audit', path: '$.customer.ssn' }).value // => '[REDACTED:SSN]'
 */
export function maskText(text: string, compiled: CompiledMasking, options: TextMaskOptions): MaskResult<string> {
  const rules = selectRules(compiled, options.where, options.ruleNames);
  const path = options.path ?? '$';
  const found = detect(text, compiled, rules.filter((r) => r.detectPaths === null || r.detectPaths.length > 0), path === '$' ? '' : memberNames(parseConcretePath(path)));
  const report = new ReportBuilder();
  const spans: MaskSpan[] = [];
  for (const d of found) {
    report.add(d.rule.name, d.detector, path);
    if (options.spans !== false) spans.push({ rule: d.rule.name, detector: d.detector, path, start: d.start, end: d.end, confidence: d.confidence });
  }
  return { value: applyMasks(text, found, options.hashKey ?? compiled.hashKey), changed: found.length > 0, report: report.entries(), spans };
}
