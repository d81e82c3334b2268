import type { AuditService } from '../runtime';
import type { GrantStore } from '../state/grant-store';
import type { GrantView } from './types';

/**
 * Puts back the grants recorded in the audit log (after a restart): the latest approvals that
 * made one, minus the revoked. Only the last maxGrantTtlSeconds of the log (`since`) can hold a
 * live grant, so start-up reads no further back. (Grants made more than 1,000 approvals ago are
 * not restored: the caller is asked again, which fails closed.) Returns how many.
 */
export async function restoreGrants(opts: { audit: Pick<AuditService, 'query'>; grants: GrantStore; since: number }): Promise<number> {
  const since = new Date(opts.since).toISOString();
  const [approved, revoked] = await Promise.all([
    opts.audit.query({ kind: 'approval_approved', since, limit: 1000 }),
    opts.audit.query({ kind: 'grant_revoked', since, limit: 1000 }),
  ]);
  const gone = new Set(revoked.map((r) => (r.details as Record<string, unknown> | undefined)?.grantId));
  let restored = 0;
  for (const r of approved) {
    const d = (r.details ?? {}) as Record<string, unknown>;
    if (typeof d.grantId !== 'string' || gone.has(d.grantId) || !r.principal || typeof d.rule !== 'string') continue;
    if (typeof d.grantCreatedAt !== 'string' || typeof d.grantExpiresAt !== 'string') continue;
    const grant: GrantView = {
      id: d.grantId,
      principal: { issuer: r.principal.issuer, subject: r.principal.subject },
      rule: d.rule,
      ...(r.model !== undefined ? { model: r.model } : {}),
      approvalId: typeof d.approvalId === 'string' ? d.approvalId : '',
      approvedBy: Array.isArray(d.by) ? (d.by as GrantView['approvedBy']) : [],
      createdAt: d.grantCreatedAt,
      expiresAt: d.grantExpiresAt,
      uses: 0,
    };
    if (await opts.grants.restore(grant)) restored++;
  }
  return restored;
}
