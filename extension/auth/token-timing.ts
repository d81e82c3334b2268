/** Least time kept before an access token's expiry to refresh it, and at most a quarter of its lifetime. */
export const refreshMarginMs = 60_000;

/**
 * When to refresh an access token obtained at `obtainedAt` that expires at `expiresAt` (epoch
 * ms): a minute before expiry, or a quarter of its lifetime before for short-lived tokens, so a
 * request sent just before never carries an expired token. Undefined without an expiry (nothing
 * to schedule: the gateway's 401 then asks for a new sign-in).
 *
 * @example
 * refreshAt(0, 600_000)  // => 540_000
 * refreshAt(0, 120_000)  // => 90_000
 */
export function refreshAt(obtainedAt: number, expiresAt: number | undefined): number | undefined {
  if (expiresAt === undefined) return undefined;
  return expiresAt - Math.min(refreshMarginMs, Math.max(0, expiresAt - obtainedAt) / 4);
}

/** Delay until `at` from `now`, for setTimeout: never negative, and within its 32-bit range. */
export function delayUntil(at: number, now: number): number {
  return Math.min(Math.max(0, at - now), 2 ** 31 - 1);
}

/**
 * What a failed refresh means: `sign-in` when the identity provider refused the refresh token
 * (RFC 6749 §5.2 invalid_grant: expired, revoked, or the session ended) — only a new sign-in
 * helps; `retry` for anything else (network, 5xx), which may pass later.
 *
 * @example
 * refreshFailure({ error: 'invalid_grant' }) // => 'sign-in'
 * refreshFailure(new Error('ECONNREFUSED'))  // => 'retry'
 */
export function refreshFailure(err: unknown): 'sign-in' | 'retry' {
  return (err as { error?: unknown } | null)?.error === 'invalid_grant' ? 'sign-in' : 'retry';
}
