import type { ApprovalState } from '../admin-api';
import type { SubjectEntry } from '../principal-list';
import type { EndpointKind, Principal } from '../types';

/**
 * One approval as plain data: what the approval rules (`approval-rules.ts`) read and return and
 * what an `ApprovalStore` keeps (in memory, or as a row shared by a fleet). JSON-safe: times are
 * ms since the epoch, no handles, no body, no token.
 *
 * @example
 * const record: ApprovalRecord = { id: 'apr_1', requestId: 'req_1', state: 'pending', revision: 0, ... };
 */
export interface ApprovalRecord {
  id: string;
  /** The held request's id (x-request-id). */
  requestId: string;
  state: ApprovalState;
  /** Bumped by every transition; stores compare-and-set on it, so two racing transitions cannot both apply. */
  revision: number;
  /** The instance holding the caller's connection (`abandonHeldBy` when it is gone). */
  holder: string;
  /** The requester (issuer, subject, groups: what self-approval and the views need). */
  principal: Pick<Principal, 'issuer' | 'subject' | 'groups'>;
  method: string;
  path: string;
  model?: string;
  endpoint?: EndpointKind;
  /** The policy rule that asked for approval. */
  rule: string;
  policyVersion?: string;
  approval: ApprovalTerms;
  requestedAt: number;
  expiresAt: number;
  /** Approving votes so far, in order (distinct approvers). */
  votes: ApprovalVote[];
  deniedBy?: ApprovalVote;
  /** The deciding approver's reason, or why it was withdrawn ('gateway shutting down'). */
  reason?: string;
  /** The grant the approval made (rules with a grant TTL). */
  grantId?: string;
  decidedAt?: number;
  /** Held as an SSE stream (keep-alive comments) rather than a silent wait. */
  streaming: boolean;
}

/** Who: an issuer and a subject (two issuers may each have a user `alice`). */
export interface ApprovalActor {
  issuer: string;
  subject: string;
}

/** One approver's vote. */
export interface ApprovalVote extends ApprovalActor {
  at: number;
  reason?: string;
}

/**
 * One rule's approval settings, bounded by the config (`approvals/approval-settings.ts` builds it):
 * who may approve, how many must, how long the request waits and how long a grant lasts (0: none).
 *
 * @example
 * const rule: ApprovalTerms = { groups: ['ml-leads'], subjects: [], minApprovals: 2, waitMs: 120_000, grantTtlMs: 0 };
 */
export interface ApprovalTerms {
  groups: string[];
  subjects: SubjectEntry[];
  minApprovals: number;
  waitMs: number;
  grantTtlMs: number;
}

/**
 * The principal of the local admin token: the owner of the machine the gateway runs on.
 *
 * @example
 * isLocalAdmin(localAdminPrincipal) // => true
 */
export const localAdminPrincipal: Readonly<Principal> = Object.freeze({
  issuer: 'urn:gatehouse:local',
  subject: 'local-admin',
  groups: ['gatehouse-admins'],
});

/**
 * Whether the principal is the local admin token's.
 *
 * @example
 * isLocalAdmin({ issuer: 'https://idp', subject: 'local-admin', groups: [] }) // => false (another issuer)
 */
export function isLocalAdmin(p: ApprovalActor): boolean {
  return p.issuer === localAdminPrincipal.issuer && p.subject === localAdminPrincipal.subject;
}

/**
 * Same person: same issuer and subject.
 *
 * @example
 * sameActor({ issuer: 'i', subject: 'a' }, { issuer: 'j', subject: 'a' }) // => false
 */
export function sameActor(a: ApprovalActor, b: ApprovalActor): boolean {
  return a.issuer === b.issuer && a.subject === b.subject;
}

/**
 * Only the issuer and subject of a principal (what records and audit notes name).
 *
 * @example
 * actorOf({ issuer: 'i', subject: 'a', groups: ['g'] }) // => { issuer: 'i', subject: 'a' }
 */
export function actorOf(p: ApprovalActor): ApprovalActor {
  return { issuer: p.issuer, subject: p.subject };
}
