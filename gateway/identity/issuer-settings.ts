import type { GatehouseConfig, Identity, TrustedIssuer } from '../generated/gatehouse.config';
import { compileClaimMapping, type ClaimMapper } from '../core/identity/claim-mapping';

/**
 * Turns the identity config into checked, compiled settings. Everything that can be wrong in
 * the config is refused here, at start-up, never per request: `none` and HMAC algorithms,
 * plain-http key URLs off loopback, duplicate issuers, bad claim paths.
 */
export class IdentityConfigError extends Error {
  /** ERR_CONFIG_*: `gatehouse serve` reports it as an invalid config (exit 2). */
  readonly code = 'ERR_CONFIG_IDENTITY';
  constructor(message: string) {
    super(message);
    this.name = 'IdentityConfigError';
  }
}

export const supportedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export const defaultAlgorithms = ['RS256', 'ES256', 'EdDSA'];
export const defaultClockToleranceSeconds = 30;

export interface IssuerSettings {
  issuer: string;
  audience: string[];
  /** Explicit JWKS URL; undefined means OIDC discovery. */
  jwksUri?: URL;
  algorithms: string[];
  maxLifetimeSeconds: number;
  clockToleranceSeconds: number;
  requiredClaims: string[];
  typ?: string;
  rejectIdTokens: boolean;
  mapClaims: ClaimMapper;
}

export interface JwksSettings {
  timeoutMs: number;
  cooldownMs: number;
  cacheMaxAgeMs: number;
}

export function resolveJwksSettings(cfg: Identity['jwks']): JwksSettings {
  return { timeoutMs: cfg?.timeoutMs ?? 5000, cooldownMs: cfg?.cooldownMs ?? 30_000, cacheMaxAgeMs: cfg?.cacheMaxAgeMs ?? 600_000 };
}

const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http on a loopback address (local IdPs and tests). */
export function checkKeyUrl(text: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new IdentityConfigError(`${where}: "${text}" is not a URL`);
  }
  const loopback = loopbackHosts.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new IdentityConfigError(`${where}: "${text}" must use https (plain http only on a loopback address)`);
  }
  return url;
}

export function checkAlgorithms(algorithms: readonly string[], where: string): string[] {
  for (const alg of algorithms) {
    if (alg.toLowerCase() === 'none' || /^HS/i.test(alg)) {
      throw new IdentityConfigError(`${where}: algorithm ${alg} is never accepted (unsigned or shared-secret tokens)`);
    }
    if (!(supportedAlgorithms as readonly string[]).includes(alg)) {
      throw new IdentityConfigError(`${where}: unknown algorithm ${alg} (one of ${supportedAlgorithms.join(', ')})`);
    }
  }
  if (!algorithms.length) throw new IdentityConfigError(`${where}: the algorithm list is empty`);
  return [...algorithms];
}

export function resolveIssuerSettings(cfg: TrustedIssuer, where: string): IssuerSettings {
  if (typeof cfg.issuer !== 'string' || !cfg.issuer) throw new IdentityConfigError(`${where}.issuer: required`);
  const jwksUri = cfg.jwksUri !== undefined ? checkKeyUrl(cfg.jwksUri, `${where}.jwksUri`) : undefined;
  if (!jwksUri) checkKeyUrl(cfg.issuer, `${where}.issuer`);
  const audience = typeof cfg.audience === 'string' ? [cfg.audience] : [...(cfg.audience ?? [])];
  if (!audience.length || audience.some((a) => typeof a !== 'string' || !a)) throw new IdentityConfigError(`${where}.audience: required`);
  const max = cfg.maxTokenLifetimeSeconds;
  if (!Number.isInteger(max) || max <= 0) {
    throw new IdentityConfigError(`${where}.maxTokenLifetimeSeconds: required, a positive number of seconds (e.g. 3600)`);
  }
  const tolerance = cfg.clockToleranceSeconds ?? defaultClockToleranceSeconds;
  if (!Number.isInteger(tolerance) || tolerance < 0) throw new IdentityConfigError(`${where}.clockToleranceSeconds: a non-negative integer`);
  let mapClaims: ClaimMapper;
  try {
    mapClaims = compileClaimMapping(cfg.claims);
  } catch (err) {
    throw new IdentityConfigError(`${where}.claims: ${(err as Error).message}`);
  }
  return {
    issuer: cfg.issuer,
    audience,
    jwksUri,
    algorithms: checkAlgorithms(cfg.algorithms ?? defaultAlgorithms, `${where}.algorithms`),
    maxLifetimeSeconds: max,
    clockToleranceSeconds: tolerance,
    requiredClaims: [...new Set(['exp', 'iat', ...(cfg.requiredClaims ?? [])])],
    typ: cfg.typ,
    rejectIdTokens: cfg.rejectIdTokens ?? true,
    mapClaims,
  };
}

/**
 * How many issuers an identity section trusts: the listed ones, plus the development issuer when
 * it is on (by default, when none is listed), as createIdentityService counts them.
 */
export function trustedIssuerCount(identity: Identity | undefined): number {
  const listed = new Set((identity?.issuers ?? []).map((i) => i.issuer)).size;
  return listed + ((identity?.devIssuer?.enabled ?? listed === 0) ? 1 : 0);
}

/** Issuers trusted for approver tokens (approvals.approverIdentity); 0 when it is not configured. */
export function approverIssuerCount(config: GatehouseConfig): number {
  const approver = config.approvals?.approverIdentity as Identity | undefined;
  return approver ? trustedIssuerCount(approver) : 0;
}
