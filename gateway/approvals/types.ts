import type { Actor, Approval, ApprovalState, ApprovalVerdict, Grant, Vote } from '../core/admin-api';
import type { Principal } from '../core/types';
import type { ApprovalService } from '../runtime';

/**
 * What the admin API shows of approvals and grants: the contract's types (core/admin-api.ts,
 * generated from schemas/admin-api.openapi.yaml), named as views here because the service keeps
 * richer records (held responses, vote times as numbers) and turns them into these.
 */
export type { ApprovalState, ApprovalVerdict };
export type ActorView = Actor;
export type VoteView = Vote;
/** One approval as the admin API shows it. JSON-safe; holds no body and no token. */
export type ApprovalView = Approval;
export type GrantView = Grant;

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
