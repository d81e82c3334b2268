import type { Principal } from '../core/types';
import type { ApprovalService } from '../runtime';

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'timeout' | 'withdrawn';
export type ApprovalVerdict = 'approve' | 'deny';

/** Who acted, as the admin API and the audit log show it: never a token. */
export interface ActorView {
  issuer: string;
  subject: string;
}

export interface VoteView extends ActorView {
  at: string;
  reason?: string;
}

/** One approval as the admin API shows it. JSON-safe; holds no body and no token. */
export interface ApprovalView {
  id: string;
  /** The held request's id (its x-request-id and audit record id). */
  requestId: string;
  state: ApprovalState;
  principal: ActorView & { groups: string[] };
  method: string;
  path: string;
  model?: string;
  rule: string;
  policyVersion?: string;
  approvers: { groups: string[]; subjects: string[] };
  minApprovals: number;
  /** Whether the request is held on an SSE stream that already answered 200. */
  streaming: boolean;
  requestedAt: string;
  expiresAt: string;
  decidedAt?: string;
  approvals: VoteView[];
  deniedBy?: VoteView;
  reason?: string;
  /** The grant an approval created, when the rule asks for one. */
  grantId?: string;
}

export interface GrantView {
  id: string;
  principal: ActorView;
  rule: string;
  model?: string;
  approvalId: string;
  approvedBy: ActorView[];
  createdAt: string;
  expiresAt: string;
  uses: number;
  revokedAt?: string;
  revokedBy?: ActorView;
}

/**
 * The approval service as the admin API sees it: the data-path `await()` plus the
 * approver's side. `createApprovalService()` returns one.
 */
export interface ApprovalDesk extends ApprovalService {
  /** Approvals in a state (default pending), oldest first; decided ones only while remembered (historySize). */
  list(state?: ApprovalState | 'all'): ApprovalView[];
  get(id: string): ApprovalView | undefined;
  /** Records an approver's verdict. Throws GatehouseError 403/404/409/410 (see errors in approval-errors.ts). */
  decide(id: string, approver: Principal, verdict: ApprovalVerdict, reason?: string): Promise<ApprovalView>;
  /** Grants that are neither expired nor revoked. */
  listGrants(): GrantView[];
  /** Puts back the unexpired, unrevoked grants recorded in the audit log (after a restart); how many. */
  restoreGrants(): Promise<number>;
  /** Throws GatehouseError 404 ERR_APPROVAL_GRANT_NOT_FOUND when no active grant has that id. */
  revokeGrant(id: string, by: Principal): Promise<GrantView>;
  readonly pendingCount: number;
}

export function isApprovalDesk(service: ApprovalService | undefined): service is ApprovalDesk {
  return !!service && typeof (service as Partial<ApprovalDesk>).decide === 'function' && typeof (service as Partial<ApprovalDesk>).list === 'function';
}

/** The principal of the local admin token: the owner of the machine the gateway runs on. */
export const localAdminPrincipal: Readonly<Principal> = Object.freeze({
  issuer: 'urn:gatehouse:local',
  subject: 'local-admin',
  groups: ['gatehouse-admins'],
});

export function isLocalAdmin(p: Principal): boolean {
  return p.issuer === localAdminPrincipal.issuer && p.subject === localAdminPrincipal.subject;
}

export function sameActor(a: ActorView, b: ActorView): boolean {
  return a.issuer === b.issuer && a.subject === b.subject;
}
