import { createHash, hash } from 'node:crypto';

/**
 * SHA-256 (base64url) of a raw token: the cache key, and what audit and logs may hold instead
 * of the token. crypto.hash (one-shot, Node ≥ 20.12) skips the Hash object; fall back for
 * runtimes without it.
 */
export const hashToken: (token: string) => string = typeof hash === 'function'
  ? (token) => hash('sha256', token, 'base64url')
  : (token) => createHash('sha256').update(token).digest('base64url');
