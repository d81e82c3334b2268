/**
 * How much of a streamed text must wait: the shortest tail that could still grow into a
 * detected value once more text arrives. Everything before it can be released at once.
 *
 *  - the trailing "word": letters, digits and the characters emails, keys, tokens, JWTs, IPs and
 *    dashed numbers are made of (a word can always grow into an email or a key);
 *  - a chain of space-separated number-like tokens before it ("4111 1111 ", "+1 (555) 123-",
 *    "DE89 3704 "): cards, phones, IBANs and SSNs written in groups;
 *  - an unfinished PEM block (BEGIN seen, its whole END line not yet);
 *  - for custom patterns that may span whitespace, a fixed window.
 */
const chainCap = 96;
/** A whole PEM END line (RFC 7468: a label of capitals, digits, spaces and hyphens between the dashes). */
const pemEndLine = /-----END [A-Z0-9][A-Z0-9 -]*?-----/;
const customWindow = 64;

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    || c === 46 || c === 95 || c === 37 || c === 43 || c === 64 || c === 58 || c === 47 || c === 61 || c === 126 || c === 45 || c === 40 || c === 41;
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Chars of a number-like token: upper-case letters, digits, ( ) . + - */
function isChainChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 40 || c === 41 || c === 46 || c === 43 || c === 45;
}

function hasUpperOrDigit(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90)) return true;
  }
  return false;
}

/** Last index of `needle` at or after `from`, or -1. (V8's lastIndexOf is a slow runtime call; indexOf is fast.) */
function lastIndexFrom(buf: string, needle: string, from: number): number {
  let last = buf.indexOf(needle, from);
  if (last < 0) return -1;
  for (let next = buf.indexOf(needle, last + 1); next >= 0; next = buf.indexOf(needle, next + 1)) last = next;
  return last;
}

/**
 * Index in `buf` (never below `from`) where the risky tail starts; `buf.length` when nothing needs holding.
 *
 * @example
 * riskyTailStart('Hello world. ', 0, false)        // => 13 (release everything)
 * riskyTailStart('mail me at john.d', 0, false)     // => 11 ('john.d' may become an email)
 * riskyTailStart('card 4111 1111 ', 0, false)       // => 5  ('4111 1111 ' may become a card)
 */
export function riskyTailStart(buf: string, from: number, customSpansWhitespace: boolean): number {
  const len = buf.length;
  let hold = len;
  // The trailing word.
  let w = len;
  while (w > from && isWordChar(buf.charCodeAt(w - 1))) w--;
  hold = w;
  // A chain of number-like tokens separated by single spaces (the last one may be unfinished).
  let t = len;
  if (t - 1 > from && buf.charCodeAt(t - 1) === 32 && buf.charCodeAt(t - 2) !== 32) t--;
  while (t > from && len - t < chainCap) {
    let s = t;
    while (s > from && isChainChar(buf.charCodeAt(s - 1))) s--;
    if (s === t || !hasUpperOrDigit(buf, s, t)) break;
    // The token must be a whole word: "abc123" is not a number-like token.
    if (s > from && isIdentChar(buf.charCodeAt(s - 1))) break;
    hold = Math.min(hold, s);
    if (s - 1 > from && buf.charCodeAt(s - 1) === 32 && isChainChar(buf.charCodeAt(s - 2))) t = s - 1;
    else break;
  }
  // An unfinished PEM block: no whole END line after its BEGIN yet. (A cut inside the END line
  // leaves '-----END PRIV' in the tail; with the body written with literal '\n', nothing else
  // would hold the body back.)
  const begin = lastIndexFrom(buf, '-----BEGIN', from);
  if (begin >= 0 && !pemEndLine.test(buf.slice(begin))) hold = Math.min(hold, begin);
  if (customSpansWhitespace) hold = Math.min(hold, Math.max(from, len - customWindow));
  return Math.max(hold, from);
}
