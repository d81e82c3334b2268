import type { ConcretePath } from './json-path';
import { segmentBoundary } from './segment-bound';

/** How far before a candidate context words are looked for in its text. */
export const contextWindow = 48;

/**
 * What names a candidate value, for the detectors whose values are only sure with context (an
 * SSN without dashes, a national phone number, an AWS secret key, a custom detector with
 * context words): the words just before it in its own text, and the member names of the JSON
 * value that holds the text, its key and its parents' keys. `{"customer":{"phone":"040 6393551"}}`
 * names the number "customer phone" as surely as "call 040 6393551" does.
 *
 * Both are read as words: camelCase, PascalCase and snake_case are split and kebab-case already
 * is (`socialSecurityNumber`, `phone_number`, `AWS_SECRET_ACCESS_KEY`, `x-api-key` read as
 * "social Security Number", "phone number", ...), so one context regex per detector serves
 * prose, JSON keys and `KEY=value` lines alike. Context is only looked for BEFORE a value (or
 * in its names), so a streamed text decides the same way as the whole text.
 *
 * One ValueContext serves one scan; checks ask it `has(words, start)`.
 */
export class ValueContext {
  private readonly words = new Map<string, string>();

  /**
   * @param text  the scanned text (strings of a batch joined at `segmentBoundary`)
   * @param starts where each string begins in `text`, ascending (one string: [0])
   * @param names  the member names of string i, raw and space-separated ('' for none); null: none at all
   */
  constructor(
    private readonly text: string,
    private readonly starts: readonly number[],
    private readonly names: ((segment: number) => string) | null,
  ) {}

  /** Whether any string has member names. */
  get hasNames(): boolean {
    return this.names !== null;
  }

  /**
   * Whether `words` (a case-insensitive regex of context words, not global) matches in the text
   * just before `at` (back to a string boundary at most), or `nameWords` in the member names of
   * its string. A detector may name its values differently in keys than in prose: "call me at"
   * is context in a sentence, but `tool_calls` holds every tool call of a chat body.
   *
   * @example
   * new ValueContext('id 876729346', [0], () => 'customer ssn').has(/\bssn\b/i, 3) // => true
   * new ValueContext('id 876729346', [0], () => '').has(/\bssn\b/i, 3)             // => false
   */
  has(words: RegExp, at: number, nameWords: RegExp = words): boolean {
    // Names first: their words are cached, the text's are not.
    if (this.names !== null) {
      const names = this.segmentNames(this.segmentAt(at));
      if (names !== '' && nameWords.test(names)) return true;
    }
    return words.test(contextWords(this.before(at)));
  }

  /** The member names of string i, as words (cached: neighbouring strings share them). */
  segmentNames(i: number): string {
    const raw = this.names === null ? '' : this.names(i);
    return raw === '' ? '' : this.wordsOf(raw);
  }

  /** Index of the string holding `at`. */
  segmentAt(at: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  get segments(): number {
    return this.starts.length;
  }

  /** Start of string i in the text. */
  segmentStart(i: number): number {
    return this.starts[i];
  }

  /** End of string i in the text (before its boundary). */
  segmentEnd(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1] - segmentBoundary.length : this.text.length;
  }

  /** The text just before `at`, back to the window's length or a boundary. */
  private before(at: number): string {
    let window = this.text.slice(Math.max(0, at - contextWindow), at);
    // indexOf, not lastIndexOf: V8 runs lastIndexOf as a slow runtime call.
    for (let b = window.indexOf(segmentBoundary); b >= 0; b = window.indexOf(segmentBoundary)) window = window.slice(b + 1);
    return window;
  }

  /** Words of member names, cached per distinct names (a body has few: every message's content shares one). */
  private wordsOf(raw: string): string {
    let words = this.words.get(raw);
    if (words === undefined) this.words.set(raw, (words = contextWords(raw)));
    return words;
  }
}

/**
 * The context of one text (not a batch): `names` are the member names of its JSON value, if any.
 *
 * @example
 * textContext('ssn 876729346').has(/\bssn\b/i, 4) // => true
 */
export function textContext(text: string, names = ''): ValueContext {
  return new ValueContext(text, [0], names === '' ? null : () => names);
}

/**
 * A text read as words for context regexes: camelCase and PascalCase humps and snake_case parts
 * become words (a `\b` regex then finds `phone` in `customerPhone` and `phone_number`).
 *
 * @example
 * contextWords('socialSecurityNumber') // => 'social Security Number'
 * contextWords('AWS_SECRET_ACCESS_KEY') // => 'AWS SECRET ACCESS KEY'
 * contextWords('SSNValue, x-api-key')   // => 'SSN Value, x-api-key'
 */
export function contextWords(text: string): string {
  if (!hasHumpOrUnderscore.test(text)) return text;
  return text.replace(humps, '$1 $2').replace(acronymEnd, '$1 $2').replace(underscores, ' ');
}

const hasHumpOrUnderscore = /[a-z0-9][A-Z]|[A-Z][A-Z][a-z]|_/;
const humps = /([a-z0-9])([A-Z])/g;
const acronymEnd = /([A-Z])([A-Z][a-z])/g;
const underscores = /_+/g;

/**
 * The member names along a concrete path, space-separated (array indexes are not names).
 *
 * @example
 * memberNames(['customers', 0, 'billing', 'card_number']) // => 'customers billing card_number'
 */
export function memberNames(path: ConcretePath): string {
  let out = '';
  for (const part of path) if (typeof part === 'string' && part !== '') out = out === '' ? part : `${out} ${part}`;
  return out;
}
