import { errors, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { Principal } from '../core/types';
import type { InspectedToken } from './inspect-token';
import type { IssuerSettings } from './issuer-settings';
import { KeysUnavailable, type KeySource } from './key-source';
import { identityUnavailable, tokenRejection, type TokenReason } from './token-rejection';
import type { GatehouseError } from '../errors';

/**
 * Verifies tokens of one trusted issuer with jose's jwtVerify (signature, issuer, audience,
 * algorithm allow-list, typ, exp/nbf/iat with clock tolerance, maximum age), then enforces
 * what jose does not: the token's own lifetime `exp - iat` within the maximum, no ID tokens
 * where access tokens are expected, and the claim mapping. Returns a frozen Principal.
 */
export class IssuerVerifier {
  private readonly options: JWTVerifyOptions;

  constructor(readonly settings: IssuerSettings, private readonly keys: KeySource) {
    this.options = {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: settings.algorithms,
      maxTokenAge: settings.maxLifetimeSeconds,
      clockTolerance: settings.clockToleranceSeconds,
      requiredClaims: settings.requiredClaims,
      ...(settings.typ !== undefined ? { typ: settings.typ } : {}),
    };
  }

  /** Fetches discovery and keys ahead of the first request; never throws. */
  warm(): Promise<void> {
    return this.keys.warm();
  }

  /** Checks made on the unverified token, before the signature (they cannot pass whatever the key). */
  precheck({ header, payload }: InspectedToken, tokenHash: string): void {
    // With a typ configured jose compares it; without one, only the JWT and access-token types pass
    // (a DPoP proof, a logout token or any other JWT kind is not a bearer token for us).
    if (this.settings.typ === undefined && header.typ !== undefined && !isAccessTokenTyp(header.typ)) {
      throw tokenRejection('ERR_TOKEN_TYPE', tokenHash, 'with no typ configured, typ must be JWT or at+jwt when present');
    }
    if (this.settings.rejectIdTokens && (Object.hasOwn(payload, 'nonce') || Object.hasOwn(payload, 'at_hash') || Object.hasOwn(payload, 'c_hash'))) {
      throw tokenRejection('ERR_TOKEN_TYPE', tokenHash, 'an ID token (nonce, at_hash or c_hash) is not an access token');
    }
  }

  async verify(token: string, tokenHash: string): Promise<{ principal: Principal; expiresAtMs: number }> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keys.resolve, this.options));
    } catch (err) {
      throw this.refusal(err, tokenHash);
    }
    const exp = payload.exp as number;
    const iat = payload.iat as number;
    if (exp - iat > this.settings.maxLifetimeSeconds) {
      throw tokenRejection('ERR_TOKEN_LIFETIME', tokenHash, `exp - iat is ${exp - iat} s, the maximum is ${this.settings.maxLifetimeSeconds} s`);
    }
    const mapped = this.settings.mapClaims(payload);
    if ('missing' in mapped) throw tokenRejection('ERR_TOKEN_CLAIMS', tokenHash, `no subject at claim path ${mapped.missing}`);

    const principal: Principal = { issuer: this.settings.issuer, subject: mapped.subject, groups: Object.freeze(mapped.groups) as string[] };
    if (mapped.clientId !== undefined) principal.clientId = mapped.clientId;
    if (typeof payload.jti === 'string') principal.tokenId = payload.jti;
    principal.expiresAt = exp;
    principal.tokenHash = tokenHash;
    if (mapped.attributes) principal.attributes = Object.freeze(mapped.attributes);
    return { principal: Object.freeze(principal), expiresAtMs: exp * 1000 };
  }

  private refusal(err: unknown, tokenHash: string): GatehouseError {
    if (err instanceof KeysUnavailable) return identityUnavailable(tokenHash, err, this.keys.retryAfterSeconds);
    const reason = reasonOf(err);
    if (reason) return tokenRejection(reason, tokenHash, detailOf(err));
    return identityUnavailable(tokenHash, err, this.keys.retryAfterSeconds);
  }
}

/**
 * `typ` values accepted when the issuer names none: `JWT` (RFC 7519 §5.1) and `at+jwt` (RFC 9068),
 * compared as media types (RFC 7515 §4.1.9: case-insensitive, `application/` implied when there
 * is no `/`), so `jwt`, `AT+JWT` and `application/at+jwt` pass and `dpop+jwt` does not.
 */
export function isAccessTokenTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const media = typ.toLowerCase();
  const subtype = media.startsWith('application/') ? media.slice('application/'.length) : media.includes('/') ? undefined : media;
  return subtype === 'jwt' || subtype === 'at+jwt';
}

/** jose's errors → our stable reasons. Unknown errors return undefined (→ 503, fail closed). */
export function reasonOf(err: unknown): TokenReason | undefined {
  if (err instanceof errors.JWTExpired) return err.claim === 'iat' ? 'ERR_TOKEN_LIFETIME' : 'ERR_TOKEN_EXPIRED';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'ERR_TOKEN_AUDIENCE';
    if (err.reason === 'missing' || err.reason === 'invalid') return 'ERR_TOKEN_CLAIMS';
    switch (err.claim) {
      case 'typ': return 'ERR_TOKEN_TYPE';
      case 'aud': return 'ERR_TOKEN_AUDIENCE';
      case 'iss': return 'ERR_TOKEN_ISSUER';
      case 'nbf':
      case 'iat': return 'ERR_TOKEN_NOT_YET_VALID';
      default: return 'ERR_TOKEN_CLAIMS';
    }
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'ERR_TOKEN_SIGNATURE';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'ERR_TOKEN_ALGORITHM';
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return 'ERR_TOKEN_KEY_UNKNOWN';
  if (err instanceof errors.JWTInvalid) return 'ERR_TOKEN_CLAIMS';
  if (err instanceof errors.JWSInvalid) return 'ERR_TOKEN_MALFORMED';
  return undefined;
}

function detailOf(err: unknown): string | undefined {
  if (err instanceof errors.JWTClaimValidationFailed || err instanceof errors.JWTExpired) {
    return err.reason === 'missing' ? `missing claim ${err.claim}` : `claim ${err.claim}`;
  }
  return undefined;
}
