/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): the byte-exact form the audit chain hashes.
 *
 * - object members sorted by their names' UTF-16 code units (JavaScript's default sort order);
 * - no whitespace; strings escaped as ECMAScript JSON.stringify does (RFC 8785 §3.2.2.2);
 * - numbers in ECMAScript Number-to-String form (RFC 8785 §3.2.2.3): 1e21 → "1e+21", -0 → "0",
 *   NaN and Infinity rejected; members whose value is undefined are left out (as JSON.stringify does);
 * - strings holding lone surrogates are rejected: they are not I-JSON (RFC 7493), so they have no
 *   canonical form.
 *
 * The `canonicalize` package does the same ordering but accepts lone surrogates and follows
 * `toJSON`; records are plain data, so this small, faster version keeps the rules explicit.
 *
 * @example
 * canonicalJson({ b: [1e21, -0, 'é'], a: null }) // => '{"a":null,"b":[1e+21,0,"é"]}'
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return canonicalString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return canonicalArray(value);
      return canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
  }
}

// A lone high surrogate not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const wellFormed: (s: string) => boolean = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
  ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
  : (s) => !loneSurrogate.test(s);

// What JSON.stringify escapes in a well-formed string; anything else it writes as is.
const needsEscape = /["\\\u0000-\u001f]/;

function canonicalString(s: string): string {
  if (!wellFormed(s)) throw new TypeError('canonical JSON rejects strings with lone surrogates');
  // JSON.stringify costs ≈ 0.1 µs a call just to enter; most record strings need no escaping at all.
  return needsEscape.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

function canonicalArray(a: unknown[]): string {
  let out = '[';
  for (let i = 0; i < a.length; i++) {
    if (i) out += ',';
    const v = a[i];
    out += v === undefined ? 'null' : canonicalJson(v);
  }
  return out + ']';
}

function canonicalObject(o: Record<string, unknown>): string {
  const keys = Object.keys(o).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += canonicalString(k) + ':' + canonicalJson(v);
  }
  return out + '}';
}

/**
 * A copy of `value` that has a canonical form: lone surrogates become U+FFFD and non-finite
 * numbers become null. The writer falls back to it when a (masked) body holds such values, so a
 * client cannot make its own request unauditable.
 *
 * @example
 * canonicalJson(toIJson({ s: 'a\uD800' })) // => '{"s":"a\uFFFD"}' (U+FFFD written as the character)
 */
export function toIJson(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return loneSurrogate.test(value) ? value.replace(loneSurrogates, '\uFFFD') : value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(toIJson);
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [toIJson(k) as string, toIJson(v)]));
    default:
      return value;
  }
}

const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
