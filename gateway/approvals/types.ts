import type { Actor, Approval, ApprovalState, ApprovalVerdict, Grant, Vote } from '../core/admin-api';
import type { Principal } from '../core/types';

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
