import type { Principal } from '../core/types';
import { compileClaimMapping } from '../core/identity/claim-mapping';
import type { Identity } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import type { IdentityService } from '../runtime';
import { GatehouseError } from '../errors';
import { openDevIssuer, type DevIssuer } from './dev-issuer';
import { inspectToken } from './inspect-token';
import { IdentityConfigError, resolveIssuerSettings, resolveJwksSettings, defaultClockToleranceSeconds, type IssuerSettings } from './issuer-settings';
import { IssuerVerifier } from './issuer-verifier';
import { localKeySource, remoteKeySource } from './key-source';
import { TokenCache } from './token-cache';
import { hashToken } from './token-hash';
import { identityUnavailable, tokenRejection } from './token-rejection';

/**
 * The identity service of the data path: `verify(authorization)` turns a bearer token into a
 * Principal or throws a 401 (503 when an issuer's keys cannot be fetched).
 *
 * Hot path: a token seen before is answered synchronously from the cache (hash + Map lookup).
 * A new token is inspected (shape, forbidden headers, alg, kid, iss picks the issuer), then
 * verified asynchronously by that issuer's verifier; concurrent requests with the same new
 * token share one verification. Tokens, keys and claims are never logged: only reason codes
 * and token hashes.
 */
export interface IdentityServiceHandle extends IdentityService {
  /** Present while the development issuer is on (mint tokens, serve its JWKS). */
  readonly devIssuer?: DevIssuer;
  /** The trusted issuers, development issuer included. */
  readonly issuers: readonly string[];
  /** Verified tokens currently cached. */
  readonly cacheSize: number;
}

export interface IdentityDeps {
  dataDir: string;
  log: Logger;
}

export const defaultMaxTokenBytes = 8192;
export const defaultCacheEntries = 10_000;

const bearerScheme = /^bearer +/i;

export async function createIdentityService(cfg: Identity | undefined, deps: IdentityDeps): Promise<IdentityServiceHandle> {
  const { log } = deps;
  const jwks = resolveJwksSettings(cfg?.jwks);
  const maxTokenBytes = cfg?.maxTokenBytes ?? defaultMaxTokenBytes;
  const cache = new TokenCache(cfg?.cache?.maxEntries ?? defaultCacheEntries);
  const lifecycle = new AbortController();
  const verifiers = new Map<string, IssuerVerifier>();

  (cfg?.issuers ?? []).forEach((issuerCfg, i) => {
    const settings = resolveIssuerSettings(issuerCfg, `identity.issuers[${i}]`);
    if (verifiers.has(settings.issuer)) throw new IdentityConfigError(`identity.issuers[${i}].issuer: ${settings.issuer} is listed twice`);
    verifiers.set(settings.issuer, new IssuerVerifier(settings, remoteKeySource(settings, jwks, lifecycle.signal)));
  });

  let devIssuer: DevIssuer | undefined;
  if (cfg?.devIssuer?.enabled ?? verifiers.size === 0) {
    devIssuer = await openDevIssuer(deps.dataDir, cfg?.devIssuer);
    if (verifiers.has(devIssuer.issuer)) throw new IdentityConfigError(`identity.devIssuer.issuer: ${devIssuer.issuer} is also listed in identity.issuers`);
    verifiers.set(devIssuer.issuer, new IssuerVerifier(devIssuerSettings(devIssuer), localKeySource(devIssuer.jwks())));
    log.warn('identity: the development issuer is on: tokens minted by `gatehouse token` are trusted; set identity.devIssuer.enabled: false in production', {
      issuer: devIssuer.issuer, keyFile: devIssuer.keyFile,
    });
  }
  if (verifiers.size === 0) throw new IdentityConfigError('identity: no trusted issuer (list identity.issuers or enable identity.devIssuer)');
  log.info('identity: trusted issuers', { issuers: [...verifiers.keys()] });

  // Fetch discovery and keys ahead of the first request; failures surface per request as 503.
  for (const verifier of verifiers.values()) void verifier.warm();

  const inflight = new Map<string, Promise<Principal>>();

  const refuse = (thrown: unknown): never => {
    // Anything unexpected is still a refusal (fail closed), never a pass.
    const err = thrown instanceof GatehouseError ? thrown : identityUnavailable(undefined, thrown, 1);
    const fields: Record<string, unknown> = { reason: err.code };
    if (err.details.tokenHash) fields.tokenHash = err.details.tokenHash;
    if (err.status >= 500) {
      // The cause is ours (a fetch that failed), never token content.
      fields.cause = (err.cause as Error | undefined)?.message;
      log.warn('identity: token refused', fields);
    } else log.debug('identity: token refused', fields);
    throw err;
  };

  const verifyNew = (token: string, tokenHash: string): Promise<Principal> => {
    const pending = inflight.get(tokenHash);
    if (pending) return pending;
    const inspected = inspectToken(token, tokenHash);
    const { payload } = inspected;
    const verifier = typeof payload.iss === 'string' ? verifiers.get(payload.iss) : undefined;
    if (!verifier) throw tokenRejection('ERR_TOKEN_ISSUER', tokenHash, typeof payload.iss === 'string' ? undefined : 'no iss claim');
    verifier.precheck(inspected, tokenHash);
    const verification = verifier.verify(token, tokenHash).then(
      ({ principal, expiresAtMs }) => {
        cache.set(tokenHash, principal, expiresAtMs, Date.now());
        return principal;
      },
      refuse,
    ).finally(() => inflight.delete(tokenHash));
    inflight.set(tokenHash, verification);
    return verification;
  };

  return {
    devIssuer,
    issuers: [...verifiers.keys()],
    get cacheSize() {
      return cache.size;
    },
    verify(authorization) {
      if (authorization === undefined || authorization === '') return refuse(tokenRejection('ERR_TOKEN_MISSING'));
      let token: string;
      if (authorization.startsWith('Bearer ')) token = authorization.slice(7);
      else {
        const scheme = bearerScheme.exec(authorization);
        if (!scheme) return refuse(tokenRejection('ERR_TOKEN_MALFORMED', undefined, 'use the Bearer scheme'));
        token = authorization.slice(scheme[0].length);
      }
      // Before hashing or parsing anything: an oversized token costs nothing but this compare.
      if (token.length > maxTokenBytes) return refuse(tokenRejection('ERR_TOKEN_TOO_LARGE', undefined, `more than ${maxTokenBytes} bytes`));
      if (token === '') return refuse(tokenRejection('ERR_TOKEN_MALFORMED', undefined, 'empty bearer token'));
      const tokenHash = hashToken(token);
      const hit = cache.get(tokenHash, Date.now());
      if (hit !== undefined) return hit;
      try {
        return verifyNew(token, tokenHash);
      } catch (err) {
        return refuse(err);
      }
    },
    async close() {
      lifecycle.abort();
      cache.clear();
    },
  };
}

function devIssuerSettings(dev: DevIssuer): IssuerSettings {
  return {
    issuer: dev.issuer,
    audience: [dev.audience],
    algorithms: ['EdDSA'],
    maxLifetimeSeconds: dev.maxTtlSeconds,
    clockToleranceSeconds: defaultClockToleranceSeconds,
    requiredClaims: ['exp', 'iat'],
    typ: 'at+jwt',
    rejectIdTokens: true,
    mapClaims: compileClaimMapping({ clientId: ['client_id', 'azp'], groups: ['groups'] }),
  };
}
