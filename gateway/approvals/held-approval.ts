import type { ServerResponse } from 'node:http';
import type { EndpointKind, Principal } from '../core/types';
import type { RuleApproval } from './approval-settings';
import { isLocalAdmin, type ActorView, type ApprovalState, type ApprovalView, type VoteView } from './types';
import { isListed } from '../core/principal-list';

interface Vote extends ActorView {
  at: number;
  reason?: string;
}

/** The bookkeeping of one held request: kept small, since thousands may wait at once. */
export interface Held {
  id: string;
  requestId: string;
  state: ApprovalState;
  principal: Principal;
  method: string;
  path: string;
  model: string | undefined;
  endpoint: EndpointKind | undefined;
  rule: string;
  policyVersion: string | undefined;
  approval: RuleApproval;
  requestedAt: number;
  expiresAt: number;
  votes: Vote[];
  deniedBy?: Vote;
  reason?: string;
  grantId?: string;
  decidedAt?: number;
  streaming: boolean;
  /** The open SSE response while a streaming request waits. */
  stream?: ServerResponse;
  timer?: NodeJS.Timeout;
  detach?: () => void;
  resolve?: () => void;
  reject?: (err: Error) => void;
}

export function actor(p: ActorView): ActorView {
  return { issuer: p.issuer, subject: p.subject };
}

/** Local admin approves anything (the machine owner is the approver); others by subject or group. */
export function mayApprove(approver: Principal, rule: RuleApproval): boolean {
  return isLocalAdmin(approver) || isListed(approver, rule);
}

const iso = (ms: number) => new Date(ms).toISOString();
const voteView = (v: Vote): VoteView => ({ issuer: v.issuer, subject: v.subject, at: iso(v.at), ...(v.reason ? { reason: v.reason } : {}) });

export function toView(h: Held): ApprovalView {
  return {
    id: h.id,
    requestId: h.requestId,
    state: h.state,
    principal: { issuer: h.principal.issuer, subject: h.principal.subject, groups: h.principal.groups },
    method: h.method,
    path: h.path,
    ...(h.model !== undefined ? { model: h.model } : {}),
    rule: h.rule,
    ...(h.policyVersion ? { policyVersion: h.policyVersion } : {}),
    approvers: { groups: h.approval.groups, subjects: h.approval.subjects },
    minApprovals: h.approval.minApprovals,
    streaming: h.streaming,
    requestedAt: iso(h.requestedAt),
    expiresAt: iso(h.expiresAt),
    ...(h.decidedAt !== undefined ? { decidedAt: iso(h.decidedAt) } : {}),
    approvals: h.votes.map(voteView),
    ...(h.deniedBy ? { deniedBy: voteView(h.deniedBy) } : {}),
    ...(h.reason ? { reason: h.reason } : {}),
    ...(h.grantId ? { grantId: h.grantId } : {}),
  };
}
