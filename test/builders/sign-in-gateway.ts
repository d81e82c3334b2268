import type { ApproverIdentity } from '../../gateway/generated/gatehouse.config';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider';

/**
 * An identity provider for approver sign-in: admin audience and resource, `groups` by login (its
 * access tokens' groups claim); `options` as startOidcProvider's (its host, token lifetimes,
 * redirect URIs registered by pattern).
 */
export function startSignInProvider(
  groups: Record<string, string[]>,
  options: { host?: string; redirectUriPatterns?: RegExp[]; accessTokenTTL?: number; refreshTokenTTL?: Record<string, number> } = {},
): Promise<TestOidcProvider> {
  const { host, accessTokenTTL = 300, ...signIn } = options;
  return startOidcProvider({ audience: 'gatehouse-admin', resource: 'urn:gatehouse:admin', accessTokenTTL, signIn: { groups, ...signIn }, ...(host ? { host } : {}) });
}

/** approvals.approverIdentity of a gateway whose approvers sign in at `idp` with its public client. */
export function signInApproverIdentity(idp: TestOidcProvider): ApproverIdentity {
  return {
    issuers: [{ issuer: idp.issuer, audience: idp.audience, maxTokenLifetimeSeconds: 600 }],
    client: { clientId: idp.signInClientId, scopes: ['openid', 'offline_access', 'approve'], resource: idp.resource },
  };
}
