import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import { checkKeyUrl, type IssuerSettings, type JwksSettings } from './issuer-settings';

/**
 * Where an issuer's verification keys come from: its JWKS (explicit, or found by OIDC
 * discovery) through jose's remote key set, or a local key set (the development issuer).
 * jose refetches the remote set when a token names an unknown `kid`, at most once per
 * cooldown, so rotated keys are picked up without restart. Only the configured URL is
 * fetched: `jku`, `x5u` and embedded `jwk` headers are refused before we get here.
 */
export interface KeySource {
  resolve: JWTVerifyGetKey;
  /** Fetches discovery and keys ahead of the first request; never throws. */
  warm(): Promise<void>;
  /** Seconds a client should wait before retrying after a fetch failure. */
  readonly retryAfterSeconds: number;
}

/** The keys could not be fetched: the token is neither good nor bad yet (→ 503, fail closed). */
export class KeysUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeysUnavailable';
  }
}

export function localKeySource(jwks: JSONWebKeySet): KeySource {
  return { resolve: createLocalJWKSet(jwks), warm: async () => {}, retryAfterSeconds: 1 };
}

/** Biggest discovery document read; real ones are a few KB. */
const maxDiscoveryBytes = 512 * 1024;

export function remoteKeySource(settings: IssuerSettings, jwks: JwksSettings, signal: AbortSignal): KeySource {
  const options = { timeoutDuration: jwks.timeoutMs, cooldownDuration: jwks.cooldownMs, cacheMaxAge: jwks.cacheMaxAgeMs };
  let set: RemoteJWKSet | undefined = settings.jwksUri ? createRemoteJWKSet(settings.jwksUri, options) : undefined;
  let discovering: Promise<RemoteJWKSet> | undefined;
  let failedAt = -Infinity;
  // A failed discovery is retried at most this often, so an IdP outage does not turn every request into a fetch.
  const discoveryRetryMs = Math.min(jwks.cooldownMs, 5000);

  const keySet = (): RemoteJWKSet | Promise<RemoteJWKSet> => {
    if (set) return set;
    if (Date.now() - failedAt < discoveryRetryMs) throw new KeysUnavailable(`discovery for ${settings.issuer} failed recently`);
    discovering ??= discoverJwksUri(settings.issuer, jwks.timeoutMs, signal)
      .then((uri) => (set = createRemoteJWKSet(uri, options)))
      .catch((cause) => {
        failedAt = Date.now();
        throw new KeysUnavailable(`discovery for ${settings.issuer} failed: ${(cause as Error).message}`, { cause });
      })
      .finally(() => (discovering = undefined));
    return discovering;
  };

  const resolve: JWTVerifyGetKey = async (header, token) => {
    const remote = await keySet();
    try {
      return await remote(header, token);
    } catch (err) {
      // An unknown or ambiguous kid is the token's problem; anything else (timeout, network, bad JWKS) is ours.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
      throw new KeysUnavailable(`key set of ${settings.issuer} unavailable: ${(err as Error).message}`, { cause: err });
    }
  };

  return {
    resolve,
    retryAfterSeconds: Math.max(1, discoveryRetryMs / 1000),
    async warm() {
      try {
        const remote = await keySet();
        if (!remote.fresh && !remote.reloading) await remote.reload();
      } catch {
        // Reported when a request needs the keys; start-up does not depend on the IdP being up.
      }
    },
  };
}

/** OpenID Connect Discovery 1.0: reads jwks_uri and checks the document names the same issuer (§4.3). */
export async function discoverJwksUri(issuer: string, timeoutMs: number, signal: AbortSignal): Promise<URL> {
  const url = issuer.replace(/\/$/, '') + '/.well-known/openid-configuration';
  const res = await fetch(url, {
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
  });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const text = await res.text();
  if (text.length > maxDiscoveryBytes) throw new Error(`${url} is larger than ${maxDiscoveryBytes} bytes`);
  const doc = JSON.parse(text) as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) throw new Error(`${url} names issuer ${JSON.stringify(doc.issuer)}, expected ${issuer}`);
  if (typeof doc.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
  return checkKeyUrl(doc.jwks_uri, `jwks_uri of ${issuer}`);
}
