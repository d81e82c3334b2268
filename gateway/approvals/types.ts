import type { Actor, Approval, ApprovalState, ApprovalVerdict, Grant, Vote } from '../core/admin-api';

/**
 * What the admin API shows of approvals and grants: the contract's types (core/admin-api.ts,
 * generated from schemas/admin-api.openapi.yaml), named as views here because the stores keep
 * richer records (core/approvals/approval-record.ts: times as numbers, the rule's settings)
 * and the service turns them into these.
 */
export type { ApprovalState, ApprovalVerdict };
export type ActorView = Actor;
export type VoteView = Vote;
/** One approval as the admin API shows it. JSON-safe; holds no body and no token. */
export type ApprovalView = Approval;
export type GrantView = Grant;
