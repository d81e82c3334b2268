import { writeEscaped } from './json-escape';
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

