import { hasToJSON, omitted, type StringParts } from './json-prefix';

/**
 * `Buffer.from(JSON.stringify(value))`, byte for byte, without building the serialization of a
 * long string as one string: a string of more than `chunkChars` characters (a long-context
 * prompt) is escaped a chunk at a time straight into the buffer, and every subtree holding no
 * such string is serialized by JSON.stringify as usual. Serialized whole, a megabyte string
 * costs V8 a large-object allocation for its parts, another to flatten them, and a copy into the
 * buffer (and, masked, a flattening of the masked string first: `partsOf` gives such a string
 * as its parts, which are read where they are). In chunks, only the buffer is large (issue 23).
 *
 * Written for JSON data (what JSON.parse and masking make); anything else (toJSON, undefined,
 * functions) is serialized by JSON.stringify itself, as `jsonPrefix` does.
 *
 * @example
 * const v = { a: 'x'.repeat(100_000) };
 * jsonBytes(v).equals(Buffer.from(JSON.stringify(v))) // => true
 */
export function jsonBytes(value: unknown, partsOf?: StringParts, chunkChars = 16_384): Buffer {
  const pieces: string[] = [];
  const long = (v: unknown): boolean => {
    if (typeof v === 'string') return v.length > chunkChars;
    if (v === null || typeof v !== 'object' || hasToJSON(v)) return false;
    if (Array.isArray(v)) return v.some(long);
    for (const key in v) if (Object.hasOwn(v, key) && long((v as Record<string, unknown>)[key])) return true;
    return false;
  };
  /**
   * A string given as parts, escaped in chunks of about `chunkChars` (short parts are gathered
   * into one chunk, so many small pieces cost what one string does). JSON.stringify writes a
   * surrogate pair as it is and a lone half escaped, so a chunk never ends on a pair's first half.
   */
  const writeString = (parts: readonly string[]): void => {
    pieces.push('"');
    let held: string[] = [];
    let heldChars = 0;
    const flush = (last: boolean): void => {
      let chunk = held.length === 1 ? held[0]! : held.join('');
      held = [];
      heldChars = 0;
      const end = chunk.charCodeAt(chunk.length - 1);
      if (!last && end >= 0xd800 && end <= 0xdbff) {
        held.push(chunk.slice(-1));
        heldChars = 1;
        chunk = chunk.slice(0, -1);
      }
      if (chunk) pieces.push(JSON.stringify(chunk).slice(1, -1));
    };
    for (const part of parts) {
      for (let at = 0; at < part.length; ) {
        const take = Math.min(part.length - at, Math.max(1, chunkChars - heldChars));
        held.push(take === part.length ? part : part.slice(at, at + take));
        heldChars += take;
        at += take;
        if (heldChars >= chunkChars) flush(false);
      }
    }
    flush(true);
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
