import { hasToJSON, omitted, type StringParts } from './json-prefix';

/**
 * `Buffer.from(JSON.stringify(value))`, byte for byte, without building the serialization of a
 * long string as a string: a string of more than `longChars` characters (a long-context prompt)
 * is written into the buffer as it stands, run by run between the characters JSON escapes, and
 * every subtree holding no such string is serialized by JSON.stringify as usual. Serialized, a
 * megabyte string costs V8 its escaped copy in parts, another copy to flatten them and a third
 * into the buffer (and, masked, a flattening of the masked string first: `partsOf` gives such a
 * string as its parts, which are read where they are). Written run by run, only the buffer is
 * new memory (issue 23: each megabyte of fresh memory costs milliseconds on some hosts, and
 * young garbage brings the next collection nearer).
 *
 * Written for JSON data (what JSON.parse and masking make); anything else (toJSON, undefined,
 * functions) is serialized by JSON.stringify itself, as `jsonPrefix` does.
 *
 * @example
 * const v = { a: 'x'.repeat(100_000) };
 * jsonBytes(v).equals(Buffer.from(JSON.stringify(v))) // => true
 */
export function jsonBytes(value: unknown, partsOf?: StringParts, longChars = 16_384): Buffer {
  // JSON text, each written as UTF-8: serialized subtrees, and a long string's runs and escapes.
  const pieces: string[] = [];
  const long = (v: unknown): boolean => {
    if (typeof v === 'string') return v.length > longChars;
    if (v === null || typeof v !== 'object' || hasToJSON(v)) return false;
    if (Array.isArray(v)) return v.some(long);
    for (const key in v) if (Object.hasOwn(v, key) && long((v as Record<string, unknown>)[key])) return true;
    return false;
  };
  const writeString = (parts: readonly string[]): void => {
    pieces.push('"');
    writeEscaped(parts, pieces);
    pieces.push('"');
  };
  const write = (v: unknown, parts: readonly string[] | undefined): void => {
    if (parts !== undefined) {
      writeString(parts);
    } else if (!long(v)) {
      pieces.push(JSON.stringify(v) ?? 'null');
    } else if (typeof v === 'string') {
      writeString([v]);
    } else if (Array.isArray(v)) {
      pieces.push('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) pieces.push(',');
        if (omitted(v[i])) pieces.push('null');
        else write(v[i], partsOf?.(v, i));
      }
      pieces.push(']');
    } else {
      pieces.push('{');
      let first = true;
      for (const key of Object.keys(v as object)) {
        const member = (v as Record<string, unknown>)[key];
        if (omitted(member)) continue;
        pieces.push(`${first ? '' : ','}${JSON.stringify(key)}:`);
        first = false;
        write(member, partsOf?.(v as object, key));
      }
      pieces.push('}');
    }
  };
  write(value, undefined);
  if (pieces.length === 1) return Buffer.from(pieces[0]!);
  let bytes = 0;
  for (const p of pieces) bytes += Buffer.byteLength(p);
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const p of pieces) at += out.write(p, at);
  return out;
}

/** What JSON.stringify escapes in a string: '"', '\\', control characters, and surrogates (written as they are in a pair, escaped alone). */
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/g;

/**
 * Pushes onto `out` the JSON string text of `parts.join('')`, without the quotes, as JSON.stringify
 * writes it: the runs between escapes are slices of the parts (no copy), each escape its own
 * piece. A surrogate pair is kept whole even when a cut between parts falls inside it.
 */
export function writeEscaped(parts: readonly string[], out: string[]): void {
  let skipFirst = false; // the next part's first character, a low surrogate, went out with the pair before it
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    let run = skipFirst && part.length > 0 ? 1 : 0;
    if (part.length > 0) skipFirst = false;
    needsEscape.lastIndex = run;
    for (let m = needsEscape.exec(part); m !== null; m = needsEscape.exec(part)) {
      const at = m.index;
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
            if (at > run) out.push(part.slice(run, at));
            out.push(String.fromCharCode(code, next));
            run = part.length;
            skipFirst = true;
            break;
          }
        }
      }
      if (at > run) out.push(part.slice(run, at));
      out.push(escapeOf(code));
      run = at + 1;
    }
    if (run < part.length) out.push(run === 0 ? part : part.slice(run));
  }
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
