import { isAscii } from 'node:buffer';
import { hasToJSON, omitted } from './json-prefix';

/**
 * A string of a masked JSON value that masking made from a string of the client's body: the
 * original, the spans it replaced and the masked string's pieces (`maskedPieces`: the original's
 * slices at even indexes, each span's replacement at the odd ones).
 */
export interface SplicedString {
  /** The masked string, as it stands in its container (compared by reference). */
  value: string;
  /** The client's string it was made from. */
  text: string;
  /** The replaced spans of `text`, sorted and disjoint. */
  spans: readonly { start: number; end: number }[];
  pieces: readonly string[];
}

/** The spliceable strings of one masked value. */
export interface SplicedStrings {
  /** By the container holding it, then its key. */
  at: Map<object, Map<string | number, SplicedString>>;
  /** Every container that holds one of them, or holds such a container (walked member by member). */
  within: Set<object>;
}

/** Escaped within a JSON string by JSON.stringify: '"', '\\', control characters and surrogates (escaped when alone). */
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `Buffer.from(JSON.stringify(value))`, byte for byte, with the long masked strings `strings` lists
 * written from the client's own bytes (`body`, a JSON text) instead of serialized again: each
 * one's JSON text is found in `body` and the replacements spliced in where its spans were. Undefined
 * when that cannot be shown to give those bytes exactly (then serialize: `jsonBytes`).
 *
 * Why it is exact: a string's JSON text as JSON.stringify writes it escapes '"', '\\' and control
 * characters (the seven short escapes for \b \f \n \r \t " \\) and writes everything else as it
 * is. In an ASCII body, a run of bytes from a '"' to the next unescaped '"' whose characters are
 * the string's, with only those short escapes and no raw control character, IS that text (a JSON
 * text has raw control characters only as whitespace between tokens: tab, line feed, carriage
 * return, looked for here). Every other byte is written by JSON.stringify as before: the members
 * around those strings, keys, numbers and the rest of the value (including what a stage changed,
 * such as a token cap). Serializing a 4 KB prompt costs V8 ≈ 5 µs on the bench's VM; finding and
 * checking its bytes, ≈ 1 (issue 23).
 *
 * @example
 * // body: {"p":"mail a@b.io now"}, masked value { p: 'mail [REDACTED:EMAIL] now' }
 * splicedJsonBytes(masked, body, strings)?.toString() // => '{"p":"mail [REDACTED:EMAIL] now"}'
 */
export function splicedJsonBytes(value: unknown, body: Buffer, strings: SplicedStrings): Buffer | undefined {
  if (!isAscii(body)) return undefined;
  let out = '';
  let failed = false;
  const member = (m: unknown, spliced: SplicedString | undefined): void => {
    if (spliced !== undefined && spliced.value === m) {
      const text = splicedText(body, spliced);
      if (text === undefined) failed = true;
      else out += text;
    } else write(m);
  };
  const write = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || !strings.within.has(v)) {
      out += JSON.stringify(v) ?? 'null';
      return;
    }
    if (hasToJSON(v)) {
      failed = true;
      return;
    }
    const here = strings.at.get(v);
    if (Array.isArray(v)) {
      out += '[';
      for (let i = 0; i < v.length && !failed; i++) {
        if (i > 0) out += ',';
        if (omitted(v[i])) out += 'null';
        else member(v[i], here?.get(i));
      }
      out += ']';
    } else {
      out += '{';
      let first = true;
      for (const key of Object.keys(v)) {
        const m = (v as Record<string, unknown>)[key];
        if (omitted(m)) continue;
        out += first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`;
        first = false;
        member(m, here?.get(key));
        if (failed) break;
      }
      out += '}';
    }
  };
  write(value);
  return failed ? undefined : Buffer.from(out);
}

/** The JSON text of `s.value`, quotes included, from the bytes of `s.text`'s JSON text in `body`; undefined if they are not found. */
function splicedText(body: Buffer, s: SplicedString): string | undefined {
  const text = s.text;
  // Where its text could start: its first characters, as JSON.stringify writes them, after a quote.
  const head = JSON.stringify(text.slice(0, 32)).slice(0, -1);
  // A conversation resends earlier messages: any copy of the same text will do, the first few are tried.
  for (let from = 0, tries = 0; tries < 4; tries++) {
    const p = body.indexOf(head, from, 'latin1');
    if (p < 0) return undefined;
    // At most two bytes a character (the short escapes), and the two quotes; most texts have few
    // escapes, so a little more than the text is read first.
    const most = Math.min(body.length, p + 2 * text.length + 2);
    const first = Math.min(most, p + text.length + 66);
    let region = body.toString('latin1', p, first);
    let escaped = escapedAt(region, text);
    if (escaped === null && first < most) escaped = escapedAt((region = body.toString('latin1', p, most)), text);
    if (escaped !== null) return splice(region, escaped, s);
    from = p + 1;
  }
  return undefined;
}

/** The character written by a short escape's letter ('n' for "\n"), or -1 for any other escape ("\/", "\u0041"). */
function shortEscape(c: number): number {
  switch (c) {
    case 34: return 34; // \"
    case 92: return 92; // \\
    case 98: return 8; // \b
    case 102: return 12; // \f
    case 110: return 10; // \n
    case 114: return 13; // \r
    case 116: return 9; // \t
    default: return -1;
  }
}

/**
 * Whether `region` opens with `text`'s JSON text as JSON.stringify writes it (see
 * `splicedJsonBytes`): the indexes in `text` of the characters written as short escapes, in order;
 * null if it does not.
 */
function escapedAt(region: string, text: string): number[] | null {
  const escapes: number[] = [];
  let pos = 1;
  let i = 0;
  let backslash = region.indexOf('\\', 1);
  let quote = region.indexOf('"', 1);
  for (;;) {
    if (quote < 0) return null;
    const end = backslash >= 0 && backslash < quote ? backslash : quote;
    const n = end - pos;
    if (region.slice(pos, end) !== text.slice(i, i + n)) return null;
    i += n;
    if (end === quote) {
      if (i !== text.length) return null;
      // Raw whitespace (a JSON text's only raw control characters) inside would be escaped by JSON.stringify.
      for (const c of rawWhitespace) {
        const at = region.indexOf(c, 1);
        if (at >= 0 && at < quote) return null;
      }
      return escapes;
    }
    const c = shortEscape(region.charCodeAt(backslash + 1));
    if (c < 0 || text.charCodeAt(i) !== c) return null;
    escapes.push(i);
    i++;
    pos = backslash + 2;
    backslash = region.indexOf('\\', pos);
    if (quote < pos) quote = region.indexOf('"', pos);
  }
}

const rawWhitespace = ['\n', '\r', '\t'];

/** `s.value`'s JSON text: `region`'s bytes of the original between the spans, each span's replacement in its place. */
function splice(region: string, escapes: readonly number[], s: SplicedString): string | undefined {
  // Where character i of the text is written in the region: after the opening quote, one more for each escape before it.
  let k = 0;
  const offset = (i: number): number => {
    while (k < escapes.length && escapes[k] < i) k++;
    return 1 + i + k;
  };
  let out = '';
  let from = 0; // in the region
  let checked = '';
  for (let d = 0; d < s.spans.length; d++) {
    const replacement = s.pieces[2 * d + 1];
    // Replacements hold nothing JSON escapes (styles.ts); one that did is serialized the usual way.
    // Most are one placeholder, checked once.
    if (replacement !== checked) {
      if (needsEscape.test(replacement)) return undefined;
      checked = replacement;
    }
    const start = offset(s.spans[d].start);
    out += region.slice(from, start) + replacement;
    from = offset(s.spans[d].end);
  }
  return out + region.slice(from, offset(s.text.length) + 1);
}
