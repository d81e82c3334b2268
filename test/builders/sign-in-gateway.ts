import type { ApproverIdentity } from '../../gateway/generated/gatehouse.config';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider';

/** An identity provider for approver sign-in: admin audience and resource, `groups` by login (its access tokens' groups claim). */
export function startSignInProvider(groups: Record<string, string[]>): Promise<TestOidcProvider> {
  return startOidcProvider({ audience: 'gatehouse-admin', resource: 'urn:gatehouse:admin', accessTokenTTL: 300, signIn: { groups } });
}

/** approvals.approverIdentity of a gateway whose approvers sign in at `idp` with its public client. */
export function signInApproverIdentity(idp: TestOidcProvider): ApproverIdentity {
  return {
    issuers: [{ issuer: idp.issuer, audience: idp.audience, maxTokenLifetimeSeconds: 600 }],
    client: { clientId: idp.signInClientId, scopes: ['openid', 'offline_access', 'approve'], resource: idp.resource },
  };
}
