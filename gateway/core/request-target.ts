/**
 * The one check of a request target (RFC 9112 §3.2, origin-form). Routing, policy, audit and the
 * forwarder all use the path it returns, so what is judged is byte for byte what is forwarded.
 *
 * Refused: anything that an upstream (or a framework in front of it) could resolve to a different
 * path than the one judged — a `.` or `..` segment, raw or percent-encoded in any case (`%2e`,
 * `.%2E`); an encoded `/` or `\` (`%2f`, `%5c`); a raw `\` (WHATWG URLs read it as `/`); an empty
 * segment (`//`); a control character, raw or encoded (NUL included); invalid percent-encoding;
 * and any other character RFC 3986 does not allow in a path (`#`, `[`, `{`, `|`, space, non-ASCII).
 *
 * What passes is put in one normal form (RFC 3986 §6.2.2, extended to every character allowed
 * raw in a path): a percent-encoded octet that may appear raw in a segment (unreserved,
 * sub-delims, `:`, `@`) is decoded, every other one stays encoded with upper-case hex. Two
 * targets that an upstream decodes alike therefore give the same path, and `/v1/ch%61t` is judged
 * as the chat endpoint it reaches. The query is forwarded as sent, minus control characters.
 */
export type RequestTarget =
  | { readonly ok: true; /** The path in normal form, starting with '/'. */ readonly path: string; /** '' or '?...' as sent. */ readonly query: string }
  | { readonly ok: false; /** Why it was refused, for the client's error message. */ readonly reason: string };

/**
 * @example
 * checkRequestTarget('/v1/ch%61t/completions?x=1') // => { ok: true, path: '/v1/chat/completions', query: '?x=1' }
 * checkRequestTarget('/v1/chat/completions/%2e%2e/models') // => { ok: false, reason: 'a "." or ".." segment' }
 */
export function checkRequestTarget(target: string): RequestTarget {
  if (target[0] !== '/') return refuse('a target that is not a path (only origin-form is accepted)');
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  for (let i = 0; i < query.length; i++) if (isControlOrNonAscii(query.charCodeAt(i))) return refuse('a control or non-ASCII character in the query');
  if (rawPath === '/') return { ok: true, path: '/', query };
  const segments = rawPath.slice(1).split('/');
  let path = '';
  for (let s = 0; s < segments.length; s++) {
    const segment = normalSegment(segments[s]!);
    if (typeof segment !== 'string') return segment;
    // A trailing slash is one empty segment at the end; anywhere else an empty segment is `//`.
    if (segment === '' && s !== segments.length - 1) return refuse('an empty segment ("//")');
    if (segment === '.' || segment === '..') return refuse('a "." or ".." segment');
    path += '/' + segment;
  }
  return { ok: true, path, query };
}

/**
 * Whether `path` lies within `prefix`, by whole segments ('/anthropic' holds '/anthropic' and
 * '/anthropic/v1', not '/anthropicX'). A prefix of '/' holds every path.
 *
 * @example
 * withinPrefix('/anthropic/v1/messages', '/anthropic') // => true
 * withinPrefix('/anthropicX/v1/messages', '/anthropic') // => false
 */
export function withinPrefix(path: string, prefix: string): boolean {
  const p = trimTrailingSlashes(prefix);
  return p === '' || path === p || (path.startsWith(p) && path.charCodeAt(p.length) === 0x2f);
}

/**
 * The path sent upstream: the upstream URL's base path, then the client's path (less `prefix`
 * when it is stripped). The client's path has no dot segment and no encoded separator, so
 * nothing it adds can climb out of the base path.
 *
 * @example
 * forwardedPath('/openai/deployments/gpt-4o', '/azure/chat/completions', '/azure') // => '/openai/deployments/gpt-4o/chat/completions'
 * forwardedPath('', '/v1/models', undefined) // => '/v1/models'
 */
export function forwardedPath(basePath: string, path: string, strippedPrefix: string | undefined): string {
  const rest = strippedPrefix === undefined ? path : path.slice(trimTrailingSlashes(strippedPrefix).length) || '/';
  return trimTrailingSlashes(basePath) + rest;
}

function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}

/** One segment in normal form, or the refusal. */
function normalSegment(raw: string): string | RequestTarget {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const octet = hexOctet(raw, i + 1);
      if (octet < 0) return refuse('invalid percent-encoding');
      if (octet === 0x2f || octet === 0x5c) return refuse('an encoded "/" or "\\"');
      if (isControlOrNonAscii(octet) && octet < 0x80) return refuse('an encoded control character');
      out += allowedRaw(octet) ? String.fromCharCode(octet) : '%' + hex[octet >> 4] + hex[octet & 15];
      i += 2;
    } else if (allowedRaw(c)) out += raw[i];
    else if (c === 0x5c) return refuse('a "\\" in the path');
    else if (isControlOrNonAscii(c)) return refuse('a control or non-ASCII character in the path');
    else return refuse(`a "${raw[i]}" in the path (not allowed there by RFC 3986; percent-encode it)`);
  }
  return out;
}

const hex = '0123456789ABCDEF';

function hexOctet(s: string, at: number): number {
  if (at + 2 > s.length) return -1;
  const hi = hexValue(s.charCodeAt(at));
  const lo = hexValue(s.charCodeAt(at + 1));
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" / "@". */
const pchar = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@") pchar[ch.charCodeAt(0)] = 1;

function allowedRaw(c: number): boolean {
  return c < 128 && pchar[c] === 1;
}

function isControlOrNonAscii(c: number): boolean {
  return c < 0x20 || c >= 0x7f;
}

function refuse(reason: string): RequestTarget {
  return { ok: false, reason };
}
