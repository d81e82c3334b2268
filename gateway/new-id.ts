import { randomFillSync } from 'node:crypto';

/**
 * A random UUID (RFC 9562, version 4) after `prefix`, as one flat string: the ids a request keeps
 * for its whole life (request id, concurrency slot, approval, grant).
 *
 * @example
 * newId('apr_') // => 'apr_1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed'
 */
export function newId(prefix = ''): string {
  return uuidText(prefix, 4, 0);
}

/** Random bytes for ids, refilled 4 KiB at a time (one getrandom call per 256 ids). */
const pool = Buffer.alloc(4096);
let used = pool.length;
/** Where an id's text is put together: prefix (ASCII, at most 27 characters) and 36 characters. */
const scratch = Buffer.alloc(64);
const hexDigits = Buffer.from('0123456789abcdef', 'latin1');

/**
 * `prefix` and a UUID (RFC 9562) of `version` 4 (random) or 7 (`ms`, the Unix time in ms, in its
 * first 48 bits, the rest random), written byte by byte and read out as one flat string. Node's
 * randomUUID() and string concatenation both build a tree of cons cells (≈ 480 B for an id of
 * ≈ 56 B once flat), and thousands of held or streaming requests each keep theirs; built here,
 * an id is its one string and nothing else.
 */
export function uuidText(prefix: string, version: 4 | 7, ms: number): string {
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const r = used;
  used += 16;
  if (version === 7) pool.writeUIntBE(ms, r, 6);
  pool[r + 6] = (version << 4) | (pool[r + 6] & 0x0f);
  pool[r + 8] = 0x80 | (pool[r + 8] & 0x3f);
  let at = prefix.length === 0 ? 0 : scratch.write(prefix, 0, 'latin1');
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) scratch[at++] = 0x2d;
    const b = pool[r + i];
    scratch[at++] = hexDigits[b >> 4];
    scratch[at++] = hexDigits[b & 0x0f];
  }
  return scratch.toString('latin1', 0, at);
}
