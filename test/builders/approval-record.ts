import { randomUUID } from 'node:crypto';
import type { ApprovalRecord } from '../../gateway/core/approvals/approval-record';
import type { Principal } from '../../gateway/core/types';

export const t0 = Date.parse('2026-12-01T10:00:00Z');
export const person = (subject: string, groups: string[] = [], issuer = 'https://issuer.test'): Principal => ({ issuer, subject, groups });

/** A pending approval of ci-deployer's request under a rule approved by the ml-leads group. */
export function pendingRecord(over: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: `apr_${randomUUID()}`,
    requestId: `req_${randomUUID()}`,
    state: 'pending',
    revision: 0,
    holder: 'gw-a',
    principal: person('ci-deployer', ['ci']),
    method: 'POST',
    path: '/v1/fine_tuning/jobs',
    model: 'gpt-4o',
    endpoint: 'fine-tuning',
    rule: 'fine-tune-needs-approval',
    policyVersion: 'sha256:test',
    approval: { groups: ['ml-leads'], subjects: [], minApprovals: 1, waitMs: 30_000, grantTtlMs: 0 },
    requestedAt: t0,
    expiresAt: t0 + 30_000,
    votes: [],
    streaming: false,
    ...over,
  };
}

/** n distinct approvers of the ml-leads group: lead-1, lead-2, ... */
export const leads = (n: number): Principal[] => Array.from({ length: n }, (_, i) => person(`lead-${i + 1}`, ['ml-leads']));
