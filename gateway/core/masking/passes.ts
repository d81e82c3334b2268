import { contextWindow } from './value-context';

/**
 * How the scanner runs each group of detector alternatives over a text (see `scanner.ts`): the
 * passes, and the cheap tests that spare the regexes most positions. Every test here is a
 * necessary condition of its pass's regex, so a skipped position could never have matched;
 * `test/unit/core/masking/scanner.test.ts` and `detectors.test.ts` hold them to that.
 */
export type PassName = 'literal' | 'email' | 'numeric' | 'iban' | 'ipv6' | 'aws-secret' | 'assignment';

/** A cheap test of a whole text: false only where the pass's regex cannot match (a RegExp is one). */
export interface Trigger {
  test(text: string): boolean;
}

/**
 * Pieces of text every match of the literal pass holds one of, each of its formats (detectors.ts)
 * by its prefix. V8's indexOf looks for a literal's first character with memchr, so each piece
 * opens with a character prose seldom has: on a 4 KB prompt all of them cost ≈ 1.5 µs, the pass's
 * combined regex ≈ 9 (its alternatives open with common letters, so it tries most positions).
 * - pem: `BEGIN` (-----BEGIN ); bearer: `Bearer`, `bearer`; jwt: `yJ` (eyJ);
 * - api-key: `k-` (sk-), `_` (sk_, rk_, whsec_, npm_, hf_, api_org_), `AIza`, `xox`, `xapp`, `gl`
 *   (GitLab's gl…-), `k.com/` (hooks.slack.com/);
 * - github-token: `_` (gh?_, github_pat_);
 * - aws-key: not a piece: every prefix (AKIA, ASIA, ... ASCA) is an 'A', two more characters and
 *   an 'A', looked for at each 'A'.
 * `test/unit/core/masking/literal-trigger.test.ts` holds the pass with it to the pass without it,
 * on texts built from every format, and finds each piece needed.
 */
export const literalTriggerMinLength = 256;

export const literalKeyPieces: readonly string[] = ['_', 'BEGIN', 'k-', 'AIza', 'k.com/', 'Bearer', 'xox', 'xapp', 'gl', 'yJ', 'bearer'];

/**
 * The literal pass's trigger: any of `pieces`, or an AWS key id's prefix shape. A text shorter
 * than `literalTriggerMinLength` is scanned outright: there the searches cost more than the regex
 * (measured: 155 against 89 ns at 64 characters, even at ≈ 120, 216 against 327 at 256), and a
 * stream's windows are that short.
 */
export function literalKeyTrigger(pieces: readonly string[] = literalKeyPieces): Trigger {
  return {
    test(text) {
      if (text.length < literalTriggerMinLength) return true;
      for (let i = 0; i < pieces.length; i++) if (text.indexOf(pieces[i]) !== -1) return true;
      for (let i = text.indexOf('A'); i !== -1 && i + 3 < text.length; i = text.indexOf('A', i + 1)) if (text.charCodeAt(i + 3) === 65) return true;
      return false;
    },
  };
}

/**
 * Passes in order, each with a cheap trigger: a pass whose trigger does not fire on a string is
 * skipped for it (unless the string is long enough for the pass to search for its starts, which
 * skips as much without a second scan). Each pass's regex starts with a narrow character (a literal, '@', a digit),
 * which lets the regex engine skip ahead instead of trying every position.
 */
export const passes: readonly PassSpec[] = [
  // Keys and tokens: on a text of 16 KB or more, the regex runs only around runs of token
  // characters long enough to hold one (see `literalTokenRuns`); prose has few, so most of the
  // text is skipped. (On shorter texts the search for runs costs what it saves.) A shorter text
  // is scanned only when it holds a piece every key or token has (`literalKeyTrigger`).
  { name: 'literal', trigger: literalKeyTrigger(), runs: literalTokenRuns(), startsMinLength: 16_384 },
  // Secrets assigned to a key word start at ':' or '=', found with indexOf (a class start makes
  // the regex engine test every position); most colons (JSON keys, times) fail the key word gate.
  { name: 'assignment', startChars: ':=', startsGate: notAfterKeyWord, startsMinLength: 1024 },
  // On a long text, a one-character pattern is searched like indexOf (V8's atom path), far
  // faster than a regex scan, so the email regex runs only at each '@'. The trigger keeps short
  // texts without '@' (most streamed deltas) from paying for the starts loop.
  { name: 'email', trigger: /@/, starts: /@/g, startsMinLength: 1024 },
  { name: 'iban' },
  // Numbers: find where a run of at least 7 digits/separators begins, then try the alternatives
  // there. (Consuming the run is faster than a lookahead; scanStarts moves on from the start.)
  // Timestamps, versions and short ids are most such runs: counting digits turns them away.
  { name: 'numeric', starts: /\b\d[\d ().+-]{6}/g, startsBefore: '+(', startsGate: thinNumberRunEnd },
  // IPv6 starts at a ':' too; most colons (JSON keys, prose) have no hex group and ':' after them.
  { name: 'ipv6', trigger: /::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]/, startChars: ':', startsGate: noGroupAfterColon, startsMinLength: 1024 },
  // AWS secret keys only count near context: scan only the text right after a context word (and
  // the strings whose member names hold one).
  { name: 'aws-secret', windowsAfter: /aws|secret|access[\s_-]*key/gi, windowLength: contextWindow + 41, minLength: 40 },
];

/**
 * How a pass is run. Default: its combined regex over the whole string (after the trigger, if any).
 * `starts`: a fast global regex whose matches begin at candidate start positions (a char of
 * `startsBefore` just before one is tried too); the combined regex runs sticky at those positions
 * only, and the search goes on one character after each candidate (or after the hit);
 * `startsGate` may turn a candidate away first.
 * `startChars`: like `starts`, with every position of these characters as the candidates.
 * `windowsAfter`: the combined regex runs only on the `windowLength` characters after each match,
 * and on the whole of each string (at least `minLength` long) whose member names hold a match.
 */
export interface PassSpec {
  name: PassName;
  trigger?: Trigger;
  starts?: RegExp;
  startChars?: string;
  startsBefore?: string;
  windowsAfter?: RegExp;
  windowLength?: number;
  /** `starts` / `startChars` only on texts at least this long; shorter ones get the default scan. */
  startsMinLength?: number;
  /** No match of the pass is shorter: a string shorter than this is not scanned for its member names' sake. */
  minLength?: number;
  /** A cheap test at each start: -1 to try it, else the index where the search for starts goes on. */
  startsGate?: (text: string, at: number) => number;
  /** On texts at least `startsMinLength` long, the regex runs only in the windows of these runs (`tokenRunWindows`). */
  runs?: TokenRuns;
}

/**
 * Runs of token characters that every match of a pass needs (the literal pass's keys and tokens):
 * each match ends in a maximal run of at least `minRun` of `chars`, starts at most `lead`
 * characters (plus the spaces and tabs right before the run) before that run's start, and ends
 * within it. A text holding `unless` gets the whole scan (a match not made that way).
 */
export interface TokenRuns {
  /** 1 at the char code (< 128) of each run character. */
  chars: Uint8Array;
  minRun: number;
  lead: number;
  unless: string;
  /** A part of `unless` to search it by: V8 searches a literal that opens with a repeated character slowly (≈ 1 ms per MB for '-----BEGIN ', ≈ 0.05 for 'BEGIN'). */
  unlessAnchor: string;
  /** Windows covering more than this share of the text: the whole scan is cheaper. */
  maxShare: number;
}

/**
 * The literal pass's runs, from its alternatives' formats (detectors.ts; README: Masking). Run
 * characters: A-Z a-z 0-9 _ . ~ + / = - (the union of every key and token class after a prefix).
 * - bearer: `Bearer`, spaces or tabs, then 16+ of [A-Za-z0-9._~+/-] and `=`s: the token is a run
 *   of 16+ (a blank before it), and the match starts 6 before the blanks.
 * - Slack webhook URLs: `https://` (':' is no run character) then `//hooks.slack.com/services/T…`,
 *   a run of 16+; the match starts at most 6 before it.
 * - jwt (40+), provider keys, GitHub tokens, AWS key ids (20): made of run characters only, so
 *   the whole match is in one run; the shortest is a Slack token, `xoxb-` and 10 (15).
 * - pem: `-----BEGIN ` then anything up to the END line: `unless`.
 * Every alternative ends in a run character, so a match never reaches past its run, and its
 * lookarounds look one character before the match and one after its end, no further.
 * `test/unit/core/masking/token-runs.test.ts` holds the pass to a whole scan on texts built from
 * each format (and fails if the pass's alternatives change, so this is read again).
 */
function literalTokenRuns(): TokenRuns {
  const chars = new Uint8Array(128);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~+/=-') chars[c.charCodeAt(0)] = 1;
  return { chars, minRun: 15, lead: 8, unless: '-----BEGIN ', unlessAnchor: 'BEGIN', maxShare: 1 / 8 };
}

/** Whether `text` holds `literal`, searched for at each occurrence of its part `anchor`. */
function holds(text: string, literal: string, anchor: string): boolean {
  const offset = literal.indexOf(anchor);
  for (let k = text.indexOf(anchor, offset); k >= 0; k = text.indexOf(anchor, k + 1)) if (text.startsWith(literal, k - offset)) return true;
  return false;
}

/**
 * The windows [start, end, start, end, ...] (sorted, disjoint, at least two apart) in which every
 * match of a pass with these runs lies: for each maximal run R of at least `minRun` run characters,
 * [R.start − the spaces and tabs before it − lead, R.end). Null when the text holds `unless`, or
 * the windows, once past 512 characters, cover more than `maxShare` of the text searched so far
 * (then the whole scan is cheaper: judged as the search goes, so a text of dense runs such as
 * code gives way within its first few kilobytes).
 * The search looks at every `minRun`-th character only, until one is a run character: a run of
 * `minRun` holds one of them whatever its start (prose has few long runs, so most of its
 * characters are never read).
 *
 * @example
 * tokenRunWindows('use sk-abcdefghijklmnopqrstuvwx now', literal.runs!) // => [0, 31] (the key's run is 4–31; from 8 before its blank)
 * tokenRunWindows('plain prose, nothing long enough', literal.runs!)    // => []
 */
export function tokenRunWindows(text: string, runs: TokenRuns): number[] | null {
  if (holds(text, runs.unless, runs.unlessAnchor)) return null;
  const { chars, minRun, lead } = runs;
  const n = text.length;
  const out: number[] = [];
  let covered = 0;
  // Plain loops over charCodeAt and the table: this runs over every long prompt.
  for (let i = minRun - 1; i < n; ) {
    let c = text.charCodeAt(i);
    if (c >= 128 || chars[c] === 0) {
      i += minRun;
      continue;
    }
    let start = i;
    while (start > 0 && (c = text.charCodeAt(start - 1)) < 128 && chars[c] === 1) start--;
    let end = i + 1;
    while (end < n && (c = text.charCodeAt(end)) < 128 && chars[c] === 1) end++;
    // The next run of minRun starts after `end` (not a run character), so it holds end + minRun or a later probe.
    i = end + minRun;
    if (end - start < minRun) continue;
    while (start > 0 && ((c = text.charCodeAt(start - 1)) === 32 || c === 9)) start--;
    start = Math.max(0, start - lead);
    // Merged with the window before when they touch: a window's scan reads one character on either side.
    if (out.length && start <= out[out.length - 1] + 1) {
      covered += end - out[out.length - 1];
      out[out.length - 1] = end;
    } else {
      covered += end - start;
      out.push(start, end);
    }
    if (covered > 512 && covered > end * runs.maxShare) return null;
  }
  return out;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * The IPv6 alternative opens with ':', then at most four hex digits and another ':'. Returns -1
 * when the text at `at` opens that way (try it), else the next position.
 *
 * @example
 * noGroupAfterColon('fe80::1', 4)        // => -1
 * noGroupAfterColon('{"a":"b"}', 4)      // => 5
 */
export function noGroupAfterColon(text: string, at: number): number {
  let i = at + 1;
  while (i - at <= 4 && isHex(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 58 ? -1 : at + 1;
}

/**
 * An assigned secret's ':' or '=' follows a key word, then maybe a quote and spaces or tabs
 * (`password: `, `"api_key" = `): unless the character before them ends some key word (d, t, y,
 * n in either case: password, secret, api_key, token ...), no match starts here. Returns -1 to
 * try the position, else the next position.
 *
 * @example
 * notAfterKeyWord('"status":"ok"', 8)  // => 9 ('s' ends no key word)
 * notAfterKeyWord('password: x', 8)    // => -1
 */
export function notAfterKeyWord(text: string, at: number): number {
  let i = at - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  if (i >= 0 && (text.charCodeAt(i) === 34 || text.charCodeAt(i) === 39)) i--;
  const lower = i >= 0 ? text.charCodeAt(i) | 32 : 0;
  return lower === 100 || lower === 116 || lower === 121 || lower === 110 ? -1 : at + 1;
}

/**
 * Numeric values are made of digits and ( ) . + - space only, so a match at `at` (or at the '+'
 * or '(' before it) lies inside the run of those characters from `at`, and needs digits there:
 * at least 9 (SSN, national phones, cards), 8 after a '+' (international phones), or 4 in dotted
 * groups (IPv4). A run with fewer is passed over whole: any start later in it has fewer still.
 * Returns -1 when the run has enough, else the run's end.
 *
 * @example
 * thinNumberRunEnd('at 2026-11-27T05:16', 3) // => 13 (8 digits: a date, not a number to mask)
 * thinNumberRunEnd('ssn 123-45-6789', 4)     // => -1
 */
export function thinNumberRunEnd(text: string, at: number): number {
  let digits = 0;
  let dots = 0;
  let plus = at > 0 && text.charCodeAt(at - 1) === 43;
  let i = at;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits >= 9 || (plus && digits >= 8) || (dots >= 3 && digits >= 4)) return -1;
    } else if (c === 46) {
      if (++dots >= 3 && digits >= 4) return -1;
    } else if (c === 43) {
      plus = true;
      if (digits >= 8) return -1;
    } else if (c !== 32 && c !== 40 && c !== 41 && c !== 45) break;
  }
  return i;
}
