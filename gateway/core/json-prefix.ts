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
 *
 * @example
 * jsonPrefix({ a: 'hello', b: [1, 2] }, 8)   // => { text: '{"a":"he', complete: false }
 * jsonPrefix({ a: 1 }, 100)                  // => { text: '{"a":1}', complete: true }
 */
export function jsonPrefix(value: unknown, max: number): { text: string; complete: boolean } {
  const parts: string[] = [];
  // One character beyond the cut, so a text of exactly `max` characters is known to be complete.
  let left = max + 1;
  const put = (s: string): void => {
    parts.push(s);
    left -= s.length;
  };

  const write = (v: unknown): void => {
    if (typeof v === 'string') {
      put(JSON.stringify(v.length + 2 > left ? v.slice(0, cutAt(v, left)) : v));
    } else if (Array.isArray(v) && !hasToJSON(v)) {
      put('[');
      for (let i = 0; i < v.length && left > 0; i++) {
        if (i > 0) put(',');
        if (omitted(v[i])) put('null');
        else write(v[i]);
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
        write(member);
      }
      put('}');
    } else {
      put(JSON.stringify(v) ?? 'null');
    }
  };

  write(value);
  const text = parts.join('');
  return text.length <= max ? { text, complete: true } : { text: text.slice(0, max), complete: false };
}

/**
 * Characters of `s` to serialize so that its escaped form reaches past `left` characters: `left`
 * itself (each character serializes to one or more), one more when that would split a surrogate pair.
 */
function cutAt(s: string, left: number): number {
  const code = s.charCodeAt(left - 1);
  return code >= 0xd800 && code <= 0xdbff ? left + 1 : left;
}

/** Values JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function hasToJSON(v: object): boolean {
  return typeof (v as { toJSON?: unknown }).toJSON === 'function';
}
