import type { ApproverIdentity } from '../generated/gatehouse.config';
import type { SignInDocument } from '../core/admin-api';
import { ApprovalsConfigError } from './approver-identity';

export const defaultSignInScopes = ['openid', 'offline_access'];
export const defaultSignInGrants: SignInDocument['grants'] = ['authorization_code', 'device_code'];

/**
 * What a client needs to sign an approver in (GET /.well-known/gatehouse-sign-in), from
 * `approvals.approverIdentity.client`; undefined when no client is configured. Checked at start:
 * the client's issuer must be one the approver identity trusts, or the tokens it obtains would
 * be refused by the very admin API that advertised it.
 */
export function approverSignInDocument(approver: ApproverIdentity | undefined): SignInDocument | undefined {
  const client = approver?.client;
  if (!client) return undefined;
  const trusted = (approver.issuers ?? []).map((i) => i.issuer);
  const where = 'approvals.approverIdentity.client';
  if (client.issuer !== undefined && !trusted.includes(client.issuer)) {
    throw new ApprovalsConfigError(`${where}.issuer: ${client.issuer} is not one of approvals.approverIdentity.issuers (${trusted.join(', ') || 'none'}); its tokens would be refused`);
  }
  if (client.issuer === undefined && trusted.length !== 1) {
    throw new ApprovalsConfigError(trusted.length
      ? `${where}.issuer: name which of approvals.approverIdentity.issuers approvers sign in with (${trusted.join(', ')})`
      : `${where}: approvals.approverIdentity.issuers lists no identity provider to sign in with (the development issuer has no sign-in)`);
  }
  return {
    issuer: client.issuer ?? trusted[0]!,
    clientId: client.clientId,
    scopes: client.scopes ?? defaultSignInScopes,
    grants: client.grants ?? defaultSignInGrants,
    ...(client.resource ? { resource: client.resource } : {}),
  };
}
