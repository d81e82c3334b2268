import { hash } from 'node:crypto';

/**
 * SHA-256 (base64url) of a raw token: the cache key, and what audit and logs may hold instead
 * of the token. One-shot crypto.hash (Node ≥ 20.12, our floor) skips the Hash object.
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'base64url');
}
