/**
 * A real OpenID Connect provider (the npm `oidc-provider`) on 127.0.0.1:0 for tests.
 * It issues JWT access tokens (RFC 9068, typ at+jwt) by client credentials with resource
 * indicators, publishes discovery and JWKS, and can rotate its signing keys in place:
 * `rotateKeys()` replaces the provider behind the same listener (same issuer URL) with one whose
 * key set has a new key prepended, as a real IdP does when it starts signing with a new key.
 *
 * Example:
 *   const idp = await startOidcProvider();
 *   const token = await idp.clientCredentialsToken();
 *   ... await idp.rotateKeys(); ... await idp.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';
import Provider, { type ProviderClient } from 'oidc-provider';

export type SigningAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface OidcProviderOptions {
  /** Audience of the access tokens (the resource server's identifier). Default "gatehouse". */
  audience?: string;
  /** The resource indicator clients ask for. Default "urn:gatehouse:api". */
  resource?: string;
  /** Signing algorithm of access tokens. Default RS256. */
  alg?: SigningAlg;
  /** Access token lifetime, seconds. Default 600. */
  accessTokenTTL?: number;
  /** Extra claims put in every access token (e.g. groups). */
  extraClaims?: Record<string, unknown>;
  /**
   * A public sign-in client (approvers in VS Code), `signInClientId`: authorization code with
   * PKCE and a loopback redirect (RFC 8252, any port), the device authorization grant (RFC 8628),
   * refresh tokens and revocation, with oidc-provider's development login and consent pages (any
   * login, any password; `test/helpers/oidc-login.ts` drives them). `groups` maps a login to the
   * groups claim of its access tokens.
   */
  signIn?: {
    groups: Record<string, string[]>;
    /**
     * Redirect URIs registered by pattern besides RFC 8252's loopback ones, as a deployment
     * registers its code-server's port proxy (`https://code.example.com/proxy/<port>/callback`, by a
     * Keycloak-style wildcard) for the loopback flow in a browser-only VS Code.
     */
    redirectUriPatterns?: RegExp[];
    /** Refresh token lifetime (seconds) by login, as an IdP's session limit for some users; others get oidc-provider's 14 days. */
    refreshTokenTTL?: Record<string, number>;
  };
  /** The loopback address to listen on (and name in the issuer). Default 127.0.0.1. */
  host?: string;
}

export interface TestOidcProvider {
  /** Issuer URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly resource: string;
  readonly audience: string;
  /** The public sign-in client's id (with options.signIn). */
  readonly signInClientId: string;
  /** Key ids in the current key set, signing key first. */
  readonly kids: string[];
  /** How many times the JWKS endpoint was requested. */
  readonly jwksRequests: number;
  /** Obtains an access token by the client credentials grant. */
  clientCredentialsToken(): Promise<string>;
  /** Restarts the provider (same issuer) with a new signing key prepended; `dropOld` removes the old keys. */
  rotateKeys(options?: { dropOld?: boolean }): Promise<string>;
  close(): Promise<void>;
}

async function signingKey(alg: SigningAlg): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<TestOidcProvider> {
  const audience = options.audience ?? 'gatehouse';
  const resource = options.resource ?? 'urn:gatehouse:api';
  const alg = options.alg ?? 'RS256';
  const clientId = 'ci-deployer';
  const clientSecret = 'a-test-client-secret-that-is-long-enough';
  const signInClientId = 'gatehouse-vscode';
  const signInClient = {
    client_id: signInClientId,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
  };
  let keys: JWK[] = [await signingKey(alg)];
  let jwksRequests = 0;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) jwksRequests++;
    handler!(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const build = () => {
    const provider = new Provider(issuer, {
      clients: [
        { client_id: clientId, client_secret: clientSecret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
        ...(options.signIn ? [signInClient] : []),
      ],
      jwks: { keys: keys as Record<string, unknown>[] },
      ttl: { ClientCredentials: options.accessTokenTTL ?? 600, RefreshToken: refreshTokenTTL },
      features: {
        devInteractions: { enabled: !!options.signIn },
        deviceFlow: { enabled: !!options.signIn },
        revocation: { enabled: !!options.signIn },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resource,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator) => {
            if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
            return { scope: 'inference approve', audience, accessTokenTTL: options.accessTokenTTL ?? 600, accessTokenFormat: 'jwt', jwt: { sign: { alg } } };
          },
        },
      },
      extraTokenClaims: options.extraClaims || options.signIn ? (_ctx, token) => ({ ...options.extraClaims, ...signedInGroups(token) }) : undefined,
    });
    allowRedirectPatterns(provider);
    handler = provider.callback();
  };
  /** oidc-provider's extension point for redirect URIs beyond its exact and loopback matches (its recipe for wildcards). */
  function allowRedirectPatterns(provider: Provider): void {
    const patterns = options.signIn?.redirectUriPatterns;
    if (!patterns?.length) return;
    const registered = provider.Client.prototype.redirectUriAllowed;
    provider.Client.prototype.redirectUriAllowed = function (this: ProviderClient, value: string) {
      return registered.call(this, value) || (this.clientId === signInClientId && patterns.some((p) => p.test(value)));
    };
  }
  function refreshTokenTTL(_ctx: unknown, token: unknown): number {
    const accountId = (token as { accountId?: string }).accountId;
    return (accountId && options.signIn?.refreshTokenTTL?.[accountId]) || 14 * 24 * 3600;
  }
  /** The groups claim of a signed-in login's access token (client credentials tokens have no account). */
  function signedInGroups(token: unknown): Record<string, unknown> {
    const accountId = (token as { accountId?: string }).accountId;
    return options.signIn && accountId ? { groups: options.signIn.groups[accountId] ?? [] } : {};
  }
  build();

  return {
    issuer,
    clientId,
    clientSecret,
    resource,
    audience,
    signInClientId,
    get kids() { return keys.map((k) => k.kid!); },
    get jwksRequests() { return jwksRequests; },
    async clientCredentialsToken() {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'inference' }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!res.ok || !body.access_token) throw new Error(`token request failed: ${res.status} ${body.error} ${body.error_description}`);
      return body.access_token;
    },
    async rotateKeys(rotate = {}) {
      const next = await signingKey(alg);
      keys = rotate.dropOld ? [next] : [next, ...keys];
      build();
      return next.kid!;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
