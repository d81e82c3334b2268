import { writeEscaped } from './json-escape';

/**
 * The first `max` characters of `JSON.stringify(value)`, in time proportional to `max` rather than
 * to the value: a 4 MB request body whose audit copy keeps 64 KB is serialized only as far as
 * the cut. The text is exactly the serialization's prefix (same escapes, same member order; a
 * string cut inside a surrogate pair keeps the pair whole, since JSON.stringify would escape a
 * lone half); `complete` says whether it is the whole serialization.
 *
 * Written for JSON data (what JSON.parse and masking make): null, booleans, numbers, strings,
 * arrays and plain objects. Anything else (toJSON, undefined, functions) is serialized by
 * JSON.stringify itself, member by member, so the result stays that of JSON.stringify.
 * `partsOf` may give a member string as its parts (see `StringParts`): only the parts before
 * the cut are read. Such a string, and any longer than `longChars`, is escaped run by run
 * (`writeEscaped`) up to the cut, never joined or serialized whole. With `keep` below `max`, an
 * incomplete text is returned only as far as its first `keep` characters (whether it is complete
 * is still judged at `max`): a reader that keeps less than `max` is spared joining the rest, a
 * string past V8's large-object size (128 KB) that costs ≈ 1 ms per 256 KB here in fresh pages.
 *
 * @example
 * jsonPrefix({ a: 'hello', b: [1, 2] }, 8)   // => { text: '{"a":"he', complete: false }
 * jsonPrefix({ a: 1 }, 100)                  // => { text: '{"a":1}', complete: true }
 * jsonPrefix({ a: 'hello' }, 8, undefined, undefined, 3)   // => { text: '{"a', complete: false }
 */
export function jsonPrefix(value: unknown, max: number, partsOf?: StringParts, longChars = 16_384, keep = max): { text: string; complete: boolean } {
  const out: string[] = [];
  // One character beyond the cut, so a text of exactly `max` characters is known to be complete.
  let left = max + 1;
  const put = (s: string): void => {
    out.push(s);
    left -= s.length;
  };

  const write = (v: unknown, parts?: readonly string[]): void => {
    // Past the cut nothing more is kept (a member name may have taken `left` below zero).
    if (left <= 0) return;
    if (parts !== undefined || (typeof v === 'string' && v.length > longChars)) {
      // Escaped run by run and only as far as the cut: a long prompt (or its masked parts) is
      // neither joined nor serialized whole.
      put('"');
      left -= writeEscaped(parts ?? [v as string], out, left);
      put('"');
    } else if (typeof v === 'string') {
      put(JSON.stringify(v.length + 2 > left ? v.slice(0, cutAt(v, left)) : v));
    } else if (Array.isArray(v) && !hasToJSON(v)) {
      put('[');
      for (let i = 0; i < v.length && left > 0; i++) {
        if (i > 0) put(',');
        if (omitted(v[i])) put('null');
        else write(v[i], partsOf?.(v, i));
      }
      put(']');
    } else if (v !== null && typeof v === 'object' && !hasToJSON(v)) {
      put('{');
      let first = true;
      for (const key of Object.keys(v)) {
        if (left <= 0) break;
        const member = (v as Record<string, unknown>)[key];
        if (omitted(member)) continue;
        put(`${first ? '' : ','}${JSON.stringify(key)}:`);
        first = false;
        write(member, partsOf?.(v, key));
      }
      put('}');
    } else {
      put(JSON.stringify(v) ?? 'null');
    }
  };

  write(value);
  // `left` is still above zero: at most `max` characters were written, the whole serialization.
  if (left > 0) return { text: out.join(''), complete: true };
  return { text: joinFirst(out, Math.min(keep, max)), complete: false };
}

/** The first `n` characters of `pieces.join('')`, joining only the pieces that reach them. */
function joinFirst(pieces: string[], n: number): string {
  let i = 0;
  for (let chars = 0; i < pieces.length && chars < n; i++) chars += pieces[i]!.length;
  pieces.length = i;
  return pieces.join('').slice(0, n);
}

/**
 * A member string given as its parts, in order (their concatenation is the string), or undefined:
 * a long masked string is kept as the original text's slices and the replacements between them
 * (core/masking/mask-json.ts `maskedParts`), so a serializer reading the parts never copies the
 * whole string into one (V8 flattens a concatenated string on its first slice or scan).
 */
export type StringParts = (container: object, key: string | number) => readonly string[] | undefined;

/**
 * Characters of `s` to serialize so that its escaped form reaches past `left` characters: `left`
 * itself (each character serializes to one or more), one more when that would split a surrogate pair.
 */
export function cutAt(s: string, left: number): number {
  const code = s.charCodeAt(left - 1);
  return code >= 0xd800 && code <= 0xdbff ? left + 1 : left;
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
export function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

export function hasToJSON(v: object): boolean {
  return typeof (v as { toJSON?: unknown }).toJSON === 'function';
}
