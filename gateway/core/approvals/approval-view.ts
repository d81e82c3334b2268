import type { Approval, GatewayEvents, Vote } from '../admin-api';
import type { ApprovalRecord, ApprovalVote } from './approval-record';
import type { SettledState } from './approval-rules';

/**
 * An approval as the admin API shows it (the contract's `Approval`).
 *
 * @example
 * res.json(approvalView(record) satisfies Approval);
 */
export function approvalView(r: ApprovalRecord): Approval {
  return {
    id: r.id,
    requestId: r.requestId,
    state: r.state,
    principal: { issuer: r.principal.issuer, subject: r.principal.subject, groups: r.principal.groups },
    method: r.method,
    path: r.path,
    ...(r.model !== undefined ? { model: r.model } : {}),
    rule: r.rule,
    ...(r.policyVersion ? { policyVersion: r.policyVersion } : {}),
    approvers: { groups: r.approval.groups, subjects: r.approval.subjects },
    minApprovals: r.approval.minApprovals,
    streaming: r.streaming,
    requestedAt: iso(r.requestedAt),
    expiresAt: iso(r.expiresAt),
    ...(r.decidedAt !== undefined ? { decidedAt: iso(r.decidedAt) } : {}),
    approvals: r.votes.map(voteView),
    ...(r.deniedBy ? { deniedBy: voteView(r.deniedBy) } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.grantId ? { grantId: r.grantId } : {}),
  };
}

/**
 * The `approval.resolved` event of a settled record: who decided (subjects, comma-separated)
 * and why.
 *
 * @example
 * resolvedEvent({ ...record, state: 'denied', deniedBy: lead, reason: 'freeze' }) // => { id, state: 'denied', by: 'ml-lead', reason: 'freeze' }
 */
export function resolvedEvent(r: ApprovalRecord): GatewayEvents['approval.resolved'] {
  const state = r.state as SettledState; // only settled records are announced
  const by = state === 'denied' ? r.deniedBy?.subject : state === 'approved' ? r.votes.map((v) => v.subject).join(', ') : undefined;
  return { id: r.id, state, ...(by ? { by } : {}), ...(r.reason ? { reason: r.reason } : {}) };
}

/** What the held request's own records say of its approval (the exchange's `approval`, the outcome record's). */
export interface ApprovalOutcome {
  id: string;
  /** `granted`: passed on an earlier approval's grant without asking. */
  state: 'approved' | 'denied' | 'timeout' | 'withdrawn' | 'abandoned' | 'granted';
  by?: string[];
  reason?: string;
}

/**
 * The approval outcome of a held request from its record; still pending (the holder stopped
 * waiting without a transition) counts as withdrawn.
 *
 * @example
 * approvalOutcome({ ...record, state: 'approved', votes: [a, b] }) // => { id, state: 'approved', by: ['a', 'b'] }
 */
export function approvalOutcome(r: ApprovalRecord): ApprovalOutcome {
  return {
    id: r.id,
    state: r.state === 'pending' ? 'withdrawn' : r.state,
    by: (r.state === 'denied' && r.deniedBy ? [r.deniedBy] : r.votes).map((v) => v.subject),
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const voteView = (v: ApprovalVote): Vote => ({ issuer: v.issuer, subject: v.subject, at: iso(v.at), ...(v.reason ? { reason: v.reason } : {}) });
