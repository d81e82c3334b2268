import { formatPath } from '../../gateway/core/masking/json-path';

/**
 * The reference the batched JSON scan is held to: every string of a body masked on its own, at
 * its path (its member names are context), with the same leaves maskJson scans (strings of 3+
 * characters, integers of 9+ digits).
 */
export function maskEachString(v: unknown, mask: (s: string, path: string) => string, path: (string | number)[] = []): unknown {
  if (typeof v === 'string') return v.length >= 3 ? mask(v, formatPath(path)) : v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || Math.abs(v) < 1e8) return v;
    const m = mask(String(v), formatPath(path));
    return m === String(v) ? v : m;
  }
  if (Array.isArray(v)) return v.map((x, i) => maskEachString(x, mask, [...path, i]));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskEachString(x, mask, [...path, k])]));
  return v;
}
