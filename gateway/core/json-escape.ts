// A string's JSON text as pieces, for the serializers that must not copy a megabyte string
// (core/json-bytes.ts, core/json-prefix.ts; issue 23): the runs between the characters JSON
// escapes are slices of the string's parts (V8 makes a slice without copying), each escape is its
// own short piece.

/** What JSON.stringify escapes in a string: '"', '\\', control characters, and surrogates (written as they are in a pair, escaped alone). */
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/g;

/**
 * Pushes onto `out` the JSON string text of `parts.join('')`, without the quotes, exactly as
 * JSON.stringify writes it, and returns the number of characters pushed. A surrogate pair is kept
 * whole even when a cut between parts falls inside it. With `limit`, it stops once that many
 * characters are out (the last piece may reach past it), so a cut costs what the text before it costs.
 *
 * @example
 * const out: string[] = [];
 * writeEscaped(['say "hi"', '\n'], out) // => 12; out.join('') === 'say \\"hi\\"\\n'
 */
export function writeEscaped(parts: readonly string[], out: string[], limit = Infinity): number {
  let written = 0;
  const push = (piece: string): boolean => {
    out.push(piece);
    written += piece.length;
    return written >= limit;
  };
  let skipFirst = false; // the next part's first character, a low surrogate, went out with the pair before it
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    let run = skipFirst && part.length > 0 ? 1 : 0;
    if (part.length > 0) skipFirst = false;
    needsEscape.lastIndex = run;
    // test, not exec: a match is one character, found at lastIndex - 1, with no match array made.
    while (needsEscape.test(part)) {
      const at = needsEscape.lastIndex - 1;
      const code = part.charCodeAt(at);
      if (code >= 0xd800 && code <= 0xdbff) {
        if (at + 1 < part.length) {
          const low = part.charCodeAt(at + 1);
          // A pair within the part stays in the run.
          if (low >= 0xdc00 && low <= 0xdfff) {
            needsEscape.lastIndex = at + 2;
            continue;
          }
        } else {
          const next = nextChar(parts, k + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            // A pair cut between parts: written as one piece, its low half skipped in the next part.
            if (at > run && push(part.slice(run, at))) return written;
            if (push(String.fromCharCode(code, next))) return written;
            run = part.length;
            skipFirst = true;
            break;
          }
        }
      }
      if (at > run && push(part.slice(run, at))) return written;
      if (push(escapeOf(code))) return written;
      run = at + 1;
    }
    if (run < part.length && push(run === 0 ? part : part.slice(run))) return written;
  }
  return written;
}

/** The first character of the first non-empty part from `k` on, or -1. */
function nextChar(parts: readonly string[], k: number): number {
  for (; k < parts.length; k++) if (parts[k]!.length > 0) return parts[k]!.charCodeAt(0);
  return -1;
}

const shortEscapes: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** JSON.stringify's escape of one character: the short forms, else \u and four lower-case hex digits. */
function escapeOf(code: number): string {
  return shortEscapes[code] ?? `\\u${code.toString(16).padStart(4, '0')}`;
}
