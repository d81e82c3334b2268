import { RE2JS } from 're2js';
import { literalSearch, requiredLiterals } from './required-literals';

/**
 * Regular expressions written in policy files (content patterns, deny lists, custom masking
 * detectors) and run over caller text. They run on RE2 (re2js, a port of RE2 to JavaScript),
 * whose automata take time linear in the text whatever the pattern: with a backtracking engine
 * even a pattern of star height 1 such as `\d+x` or `[a-z]+@[a-z]+\.com` takes quadratic time on
 * a run of digits or letters (2.5 s and 6.6 s on 64 KB), and `(?:ab)*(?:ab)*c` cubic (154 s on
 * 32 KB). The syntax is JavaScript's minus what RE2 cannot do in linear time: lookahead,
 * lookbehind and backreferences are refused at load. Offsets are UTF-16 indexes, as in JS.
 *
 * @example
 * const r = compileLinearRegex('EMP-\\d{6}', { ignoreCase: true });
 * r.ok && r.regex.test('id emp-123456')                 // => true
 * r.ok && [...r.regex.matches('EMP-000001 EMP-000002')] // => [[0, 10], [11, 21]]
 * compileLinearRegex('(a)\\1').ok                       // => false (backreference)
 */
export interface LinearRegex {
  /** The pattern as written. */
  readonly source: string;
  readonly ignoreCase: boolean;
  /** Whether the pattern matches anywhere in the text. */
  test(text: string): boolean;
  /** Each non-empty match, left to right, as [start, end) UTF-16 offsets. */
  matches(text: string): Iterable<[start: number, end: number]>;
  /** `/source/i`, for explain traces and messages. */
  toString(): string;
  /** Strings one of which every match contains (core/required-literals.ts), when the pattern has such. */
  readonly literals?: readonly string[];
}

export type LinearRegexResult = { ok: true; regex: LinearRegex } | { ok: false; unsupported: boolean; message: string };

export function compileLinearRegex(pattern: string, options: { ignoreCase?: boolean } = {}): LinearRegexResult {
  const backtracking = backtrackingConstruct(pattern);
  if (backtracking) {
    return {
      ok: false,
      unsupported: true,
      message: `unsupported regular expression /${pattern}/: ${backtracking} needs backtracking, and these patterns run on a linear-time engine (RE2 syntax: no lookahead, lookbehind or backreferences)`,
    };
  }
  const ignoreCase = options.ignoreCase === true;
  let re: RE2JS;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(pattern), ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    // RE2's messages end with the offending text in backticks: keep a short one, drop the prefix.
    const raw = (err as Error).message.replace(/^error parsing regexp: /, '');
    const construct = /: `([^`]{1,40})`$/.exec(raw)?.[1];
    const what = raw.replace(/: `[^`]*`$/, '');
    return { ok: false, unsupported: false, message: `invalid regular expression: ${what}${construct && !construct.startsWith('(?i)') ? ` (${construct})` : ''}` };
  }
  return { ok: true, regex: wrap(pattern, re, ignoreCase) };
}

/**
 * The first lookaround or backreference outside a character class, named for the message.
 * Checked before translation: re2js's translator would turn `\k<name>` into a literal `k<name>`.
 */
function backtrackingConstruct(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (!inClass && next !== undefined && next >= '1' && next <= '9') return `the backreference \\${next}`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'the named backreference \\k<...>';
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const kind = pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i) ? 'lookahead' : pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i) ? 'lookbehind' : undefined;
      if (kind) return `the ${kind} ${pattern.slice(i, pattern[i + 2] === '<' ? i + 4 : i + 3)}...)`;
    }
  }
  return undefined;
}

/**
 * One regex matching wherever any of the given ones matches (same flags): one scan of the text
 * decides whether any pattern hits.
 *
 * @example
 * anyOf([a, b]).test(text) // === a.test(text) || b.test(text)
 */
export function anyOf(regexes: readonly LinearRegex[]): LinearRegex {
  if (regexes.length === 1) return regexes[0]!;
  const ignoreCase = regexes.some((r) => r.ignoreCase);
  if (regexes.some((r) => r.ignoreCase !== ignoreCase)) throw new Error('anyOf: the patterns differ in case sensitivity');
  const source = regexes.map((r) => `(?:${r.source})`).join('|');
  const result = compileLinearRegex(source, { ignoreCase });
  if (!result.ok) throw new Error(`anyOf: ${result.message}`);
  return result.regex;
}

function wrap(source: string, re: RE2JS, ignoreCase: boolean): LinearRegex {
  // A text holding none of the pattern's required literals cannot match: one search for them
  // spares the automaton most texts (a deny list's phrases are absent from most prompts).
  const literals = requiredLiterals(source);
  const search = literals && literalSearch(literals, ignoreCase);
  const test = (text: string): boolean => (search === undefined || search.test(text)) && re.test(text);
  return {
    source,
    ignoreCase,
    ...(literals ? { literals } : {}),
    test,
    *matches(text) {
      if (!test(text)) return; // the DFA answers a miss several times faster than the matcher
      const m = re.matcher(text);
      while (m.find()) {
        const start = m.start();
        const end = m.end();
        if (end > start) yield [start, end];
      }
    },
    toString: () => `/${source}/${ignoreCase ? 'i' : ''}`,
  };
}
