import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let used = pool.length;
const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix ms then random bits. Ids sort roughly by time and are unique
 * across replicas, so they are safe de-duplication keys in a SIEM that sees every chain.
 * Random bytes come from a pooled buffer (one getrandom call per 400 ids).
 */
export function recordId(now = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const r = used;
  used += 10;
  const t = now.toString(16).padStart(12, '0');
  let s = `${t.slice(0, 8)}-${t.slice(8, 12)}-7${hex[pool[r] & 0x0f].slice(1)}${hex[pool[r + 1]]}-`;
  s += hex[0x80 | (pool[r + 2] & 0x3f)] + hex[pool[r + 3]] + '-';
  for (let i = 4; i < 10; i++) s += hex[pool[r + i]];
  return s;
}
