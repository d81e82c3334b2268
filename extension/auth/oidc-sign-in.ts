import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import type { SignInDocument } from '../../gateway/core/admin-api';
import { listenForRedirect } from './loopback-redirect';
import { isLoopbackUrl } from './sign-in-document';

/** What a sign-in or a refresh yields: kept in SecretStorage, sent as the admin API's bearer token. */
export interface SignInTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms when the token endpoint answered. */
  obtainedAt: number;
  /** Epoch ms when the access token expires (from expires_in), if said. */
  expiresAt?: number;
  /** Who signed in, for the Accounts menu. */
  account: { id: string; label: string };
}

/** What the user needs for the device flow: a code to enter at a URL (RFC 8628 §3.3). */
export interface DeviceCodePrompt {
  userCode: string;
  verificationUri: string;
  /** The URL with the code filled in, when the identity provider offers one. */
  verificationUriComplete?: string;
  expiresInSeconds: number;
}

/**
 * The identity provider's configuration (OpenID discovery) for the gateway's sign-in client: a
 * public client (no secret; PKCE protects the code). Plain http only for a loopback issuer.
 */
export function discoverSignIn(doc: SignInDocument, fetchImpl?: oidc.CustomFetch): Promise<oidc.Configuration> {
  const issuer = new URL(doc.issuer);
  const execute = issuer.protocol === 'http:' && isLoopbackUrl(issuer) ? [oidc.allowInsecureRequests] : [];
  return oidc.discovery(issuer, doc.clientId, undefined, oidc.None(), { execute, ...(fetchImpl ? { [oidc.customFetch]: fetchImpl } : {}) });
}

/**
 * RFC 8628: asks for a device code, shows it (`show`), then polls the token endpoint at the
 * interval the provider asks for until the user approved, denied, the code expired or `signal`
 * aborted (openid-client stops at the code's expiry on its own).
 */
export async function deviceSignIn(config: oidc.Configuration, doc: SignInDocument, show: (prompt: DeviceCodePrompt) => void, signal?: AbortSignal): Promise<SignInTokens> {
  const started = await oidc.initiateDeviceAuthorization(config, { scope: doc.scopes.join(' '), ...resource(doc) });
  show({
    userCode: started.user_code,
    verificationUri: started.verification_uri,
    ...(started.verification_uri_complete ? { verificationUriComplete: started.verification_uri_complete } : {}),
    expiresInSeconds: started.expires_in,
  });
  return toSignInTokens(await oidc.pollDeviceAuthorizationGrant(config, started, resource(doc), { ...(signal ? { signal } : {}) }));
}

/**
 * Authorization code with PKCE (S256) through a loopback redirect (RFC 8252): listens on
 * 127.0.0.1, has `openBrowser` open the authorization URL, and exchanges the code that comes back
 * (state and, when the provider sends it, iss checked by openid-client). Asking for
 * offline_access sends prompt=consent, as OpenID Connect Core §11 requires for a refresh token.
 *
 * `externalRedirect` says where the browser reaches the listener when it runs elsewhere (VS Code's
 * asExternalUri: a forwarded localhost port for a remote extension host, which RFC 8252's
 * any-port rule covers; code-server's or Codespaces' port proxy, which the identity provider must
 * have registered): that URL is the redirect_uri sent, and the one the code is exchanged with.
 */
export async function loopbackSignIn(
  config: oidc.Configuration,
  doc: SignInDocument,
  openBrowser: (url: URL) => Promise<unknown>,
  opts: { timeoutMs: number; signal?: AbortSignal; externalRedirect?: (loopback: URL) => Promise<URL> },
): Promise<SignInTokens> {
  const listener = await listenForRedirect(opts);
  try {
    const redirectUri = opts.externalRedirect ? (await opts.externalRedirect(new URL(listener.redirectUri))).href : listener.redirectUri;
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: doc.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(doc.scopes.includes('offline_access') ? { prompt: 'consent' } : {}),
      ...resource(doc),
    });
    await openBrowser(url);
    // The response as it arrived at the redirect_uri sent (openid-client sends that URL, without its parameters, as redirect_uri).
    const callback = new URL(redirectUri);
    callback.search = (await listener.redirect).toString();
    return toSignInTokens(await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, resource(doc)));
  } finally {
    listener.close();
  }
}

/** A new access token from the refresh token; the provider's invalid_grant (see refreshFailure) means sign in again. */
export async function refreshSignIn(config: oidc.Configuration, doc: SignInDocument, refreshToken: string, previous: SignInTokens['account']): Promise<SignInTokens> {
  const tokens = await oidc.refreshTokenGrant(config, refreshToken, resource(doc));
  // A provider that does not rotate refresh tokens answers without one: keep the one we have.
  return toSignInTokens(tokens, previous, refreshToken);
}

/** Revokes the refresh token at sign-out (RFC 7009), when the provider has a revocation endpoint. */
export async function revokeSignIn(config: oidc.Configuration, refreshToken: string): Promise<void> {
  if (config.serverMetadata().revocation_endpoint) await oidc.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
}

function resource(doc: SignInDocument): Record<string, string> {
  return doc.resource ? { resource: doc.resource } : {};
}

function toSignInTokens(t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, previous?: SignInTokens['account'], refreshToken?: string): SignInTokens {
  const now = Date.now();
  const expiresIn = t.expiresIn();
  return {
    accessToken: t.access_token,
    ...(t.refresh_token ?? refreshToken ? { refreshToken: t.refresh_token ?? refreshToken } : {}),
    obtainedAt: now,
    ...(expiresIn !== undefined ? { expiresAt: now + expiresIn * 1000 } : {}),
    account: accountOf(t.claims(), t.access_token) ?? previous ?? { id: 'unknown', label: 'Gatehouse approver' },
  };
}

/** The account label: the ID token's name claims, else the access token's subject (display only, never trusted). */
function accountOf(id: oidc.IDToken | undefined, accessToken: string): SignInTokens['account'] | undefined {
  const claims: Record<string, unknown> = id ?? safeDecode(accessToken) ?? {};
  if (typeof claims.sub !== 'string') return undefined;
  const label = [claims.preferred_username, claims.email, claims.name, claims.sub].find((v): v is string => typeof v === 'string' && v.length > 0)!;
  return { id: `${String(claims.iss ?? '')}|${claims.sub}`, label };
}

function safeDecode(token: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(token);
  } catch {
    return undefined; // an opaque access token
  }
}
