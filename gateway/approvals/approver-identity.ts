import type { GatehouseConfig, Identity } from '../generated/gatehouse.config';
import { devIssuerDefaults } from '../identity/dev-issuer';
import { createIdentityService, type IdentityDeps, type IdentityServiceHandle } from '../identity/identity-service';

/** Bad approvals config found at start: `gatehouse serve` reports it as an invalid config (exit 2). */
export class ApprovalsConfigError extends Error {
  readonly code = 'ERR_CONFIG_APPROVALS';
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalsConfigError';
  }
}

/**
 * The verifier of approver tokens on the admin API: a second identity service built from
 * `approvals.approverIdentity` (same shape as `identity`). Undefined when it is not configured,
 * leaving the local admin token as the only admin credential.
 *
 * Refuses a config where an issuer and audience accepted on the data path are also accepted for
 * approvers: then every caller's token would open the admin API and could approve others'
 * requests. Approver tokens must be minted for their own audience (e.g. gatehouse-admin).
 */
export async function createApproverIdentity(config: GatehouseConfig, deps: IdentityDeps): Promise<IdentityServiceHandle | undefined> {
  const approver = config.approvals?.approverIdentity as Identity | undefined;
  if (!approver) return undefined;
  const callers = acceptedAudiences(config.identity);
  const shared = [...acceptedAudiences(approver)].filter((a) => callers.has(a));
  if (shared.length) {
    const [issuer, audience] = shared[0].split('\u0000');
    throw new ApprovalsConfigError(
      `approvals.approverIdentity: issuer ${issuer} with audience ${audience} is also accepted from callers (identity); give approver tokens their own audience, e.g. gatehouse-admin`,
    );
  }
  return createIdentityService(approver, deps);
}

/** "issuer\0audience" pairs an identity section accepts (the development issuer included when on). */
function acceptedAudiences(identity: Identity | undefined): Set<string> {
  const out = new Set<string>();
  const issuers = identity?.issuers ?? [];
  for (const i of issuers) for (const aud of Array.isArray(i.audience) ? i.audience : [i.audience]) out.add(`${i.issuer}\u0000${aud}`);
  const dev = identity?.devIssuer;
  if (dev?.enabled ?? issuers.length === 0) out.add(`${dev?.issuer ?? devIssuerDefaults.issuer}\u0000${dev?.audience ?? devIssuerDefaults.audience}`);
  return out;
}
