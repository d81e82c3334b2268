import { GatehouseError } from '../errors';

/**
 * The stable reason codes of a refused token, and the 401 they become (RFC 6750: a
 * WWW-Authenticate challenge with error="invalid_token", or a bare challenge when no token
 * was sent). Messages name the problem, never the token: the audit record keeps the reason
 * and the token's hash.
 */
export const tokenReasons = {
  ERR_TOKEN_MISSING: 'No bearer token: send Authorization: Bearer <token> (or x-api-key: <token>)',
  ERR_TOKEN_MALFORMED: 'The token is not a well-formed JWT',
  ERR_TOKEN_TOO_LARGE: 'The token is too large',
  ERR_TOKEN_HEADER: 'The token header carries a forbidden or invalid parameter',
  ERR_TOKEN_ALGORITHM: 'The token signature algorithm is not allowed',
  ERR_TOKEN_ISSUER: 'The token issuer is not trusted',
  ERR_TOKEN_KEY_UNKNOWN: 'The token was signed with a key its issuer does not publish',
  ERR_TOKEN_SIGNATURE: 'The token signature is invalid',
  ERR_TOKEN_TYPE: 'The token is not an access token of the required type',
  ERR_TOKEN_AUDIENCE: 'The token was not issued for this gateway (audience)',
  ERR_TOKEN_EXPIRED: 'The token has expired',
  ERR_TOKEN_NOT_YET_VALID: 'The token is not valid yet (nbf or iat in the future)',
  ERR_TOKEN_LIFETIME: 'The token lifetime exceeds the maximum allowed',
  ERR_TOKEN_CLAIMS: 'The token lacks a required claim or a claim has the wrong type',
} as const;

export type TokenReason = keyof typeof tokenReasons;
export const IDENTITY_UNAVAILABLE = 'ERR_IDENTITY_UNAVAILABLE';

/** error_description allows %x20-21 / %x23-5B / %x5D-7E: no quotes, no backslash, no control characters. */
const headerSafe = (text: string) => text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');

/**
 * A refused token. `detail` (e.g. which claim) is appended to the message; it must not hold
 * token content beyond names of claims or limits.
 */
export function tokenRejection(reason: TokenReason, tokenHash?: string, detail?: string): GatehouseError {
  const message = detail ? `${tokenReasons[reason]}: ${detail}` : tokenReasons[reason];
  const challenge = reason === 'ERR_TOKEN_MISSING'
    ? 'Bearer realm="gatehouse"'
    : `Bearer error="invalid_token", error_description="${headerSafe(message)}"`;
  return new GatehouseError(401, reason, message, {
    headers: { 'www-authenticate': challenge },
    details: tokenHash ? { reason, tokenHash } : { reason },
  });
}

/**
 * The issuer's keys could not be obtained (discovery or JWKS fetch failed or timed out).
 * 503, not 401: the token may well be valid, and a 401 would send clients to fetch new tokens
 * for nothing; a 503 with Retry-After is what SDKs retry with backoff. Fail closed either way:
 * the request is not forwarded.
 */
export function identityUnavailable(tokenHash: string | undefined, cause: unknown, retryAfterSeconds: number): GatehouseError {
  return new GatehouseError(503, IDENTITY_UNAVAILABLE, 'The identity provider keys could not be fetched; try again', {
    cause,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    details: tokenHash ? { reason: IDENTITY_UNAVAILABLE, tokenHash } : { reason: IDENTITY_UNAVAILABLE },
  });
}
