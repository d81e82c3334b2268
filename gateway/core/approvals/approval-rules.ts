import type { ApprovalState, ApprovalVerdict } from '../admin-api';
import { isListed } from '../principal-list';
import type { Principal } from '../types';
import { actorOf, isLocalAdmin, sameActor, type ApprovalActor, type ApprovalRecord, type ApprovalTerms } from './approval-record';

/**
 * The rules of one approval, as a pure reducer: a record and an event in, the next record or a
 * typed refusal out. No clock (events carry their time), no I/O, no ids minted here, so every
 * store applies exactly these rules (the memory store in one step, a shared store inside its
 * compare-and-set) and the admin API, the wait timer and the fleet agree on what happened.
 *
 *   pending ─ vote approve (quorum reached) ─▶ approved
 *   pending ─ vote approve (short of quorum) ▶ pending (one more vote)
 *   pending ─ vote deny ─────────────────────▶ denied
 *   pending ─ timeout ───────────────────────▶ timeout      (the wait ran out)
 *   pending ─ withdraw ──────────────────────▶ withdrawn    (the caller left, or shutdown)
 *   pending ─ abandon ───────────────────────▶ abandoned    (the instance holding it is gone)
 *   pending ─ retract ───────────────────────▶ pending (a vote that could not be audited is taken back)
 * Anything else is refused: a final state never changes.
 */
export type ApprovalEvent =
  | { kind: 'vote'; approver: Principal; verdict: ApprovalVerdict; reason?: string; at: number; grantId?: string }
  | { kind: 'retract'; approver: ApprovalActor; at: number }
  | { kind: 'timeout'; at: number }
  | { kind: 'withdraw'; cause: 'client_closed' | 'shutdown'; at: number }
  | { kind: 'abandon'; at: number };

/** The final states: no event moves a record out of one. */
export type SettledState = Exclude<ApprovalState, 'pending'>;

/**
 * Why an event was not applied. Statuses of the admin API: `not_found` 404, `expired` 410,
 * `already_decided` and `already_voted` 409, `self` and `not_approver` 403. `not_voted` only
 * answers a retract of a vote that is not there.
 */
export type ApprovalRefusal =
  | { code: 'not_found' }
  | { code: 'expired'; state: 'timeout' | 'withdrawn' | 'abandoned' }
  | { code: 'already_decided'; state: 'approved' | 'denied' }
  | { code: 'self' }
  | { code: 'not_approver'; rule: string }
  | { code: 'already_voted' }
  | { code: 'not_voted' };

/** The outcome of applying one event: the next record (revision bumped), or why not. */
export type ApprovalStep = { ok: true; record: ApprovalRecord } | { ok: false; refusal: ApprovalRefusal };

/** Why a withdrawn approval was withdrawn at shutdown, shown to approvers as its reason. */
export const shutdownReason = 'gateway shutting down';

/**
 * Applies one event to one approval under the rules above. Never changes its input.
 *
 * @example
 * const step = applyApprovalEvent(pending, { kind: 'vote', approver: lead, verdict: 'approve', at: Date.now() });
 * if (step.ok) step.record.state // 'approved' once minApprovals distinct approvers voted
 * else step.refusal.code         // 'self' | 'not_approver' | 'already_voted' | 'already_decided' | 'expired'
 */
export function applyApprovalEvent(record: ApprovalRecord, event: ApprovalEvent): ApprovalStep {
  if (record.state !== 'pending') return refuse(notPending(record.state));
  switch (event.kind) {
    case 'vote':
      return vote(record, event);
    case 'retract': {
      const votes = record.votes.filter((v) => !sameActor(v, event.approver));
      if (votes.length === record.votes.length) return refuse({ code: 'not_voted' });
      return { ok: true, record: { ...record, votes, revision: record.revision + 1 } };
    }
    case 'timeout':
      return settle(record, 'timeout', event.at);
    case 'withdraw':
      return settle(record, 'withdrawn', event.at, event.cause === 'shutdown' ? shutdownReason : undefined);
    case 'abandon':
      return settle(record, 'abandoned', event.at);
  }
}

/**
 * Whether a principal may decide under a rule: the local admin (the machine owner) always,
 * others when the rule lists their subject or one of their groups. Self-approval is refused
 * separately (`applyApprovalEvent`), also for the local admin.
 *
 * @example
 * mayApprove({ issuer: 'i', subject: 'bob', groups: ['ml-leads'] }, { groups: ['ml-leads'], subjects: [], minApprovals: 1, waitMs: 1, grantTtlMs: 0 }) // => true
 */
export function mayApprove(approver: Principal, rule: ApprovalTerms): boolean {
  return isLocalAdmin(approver) || isListed(approver, rule);
}

/**
 * Whether a record is in a final state.
 *
 * @example
 * isSettled({ ...record, state: 'timeout' }) // => true
 */
export function isSettled(record: Pick<ApprovalRecord, 'state'>): boolean {
  return record.state !== 'pending';
}

function vote(record: ApprovalRecord, event: Extract<ApprovalEvent, { kind: 'vote' }>): ApprovalStep {
  const { approver, at, reason } = event;
  if (sameActor(approver, record.principal)) return refuse({ code: 'self' });
  if (!mayApprove(approver, record.approval)) return refuse({ code: 'not_approver', rule: record.rule });
  if (record.votes.some((v) => sameActor(v, approver))) return refuse({ code: 'already_voted' });
  const cast = { ...actorOf(approver), at, ...(reason ? { reason } : {}) };
  if (event.verdict === 'deny') return { ok: true, record: { ...final(record, 'denied', at), deniedBy: cast, ...withReason(reason) } };
  const votes = [...record.votes, cast];
  if (votes.length < record.approval.minApprovals) return { ok: true, record: { ...record, votes, revision: record.revision + 1 } };
  const grant = record.approval.grantTtlMs > 0 && event.grantId ? { grantId: event.grantId } : {};
  return { ok: true, record: { ...final(record, 'approved', at), votes, ...withReason(reason), ...grant } };
}

function settle(record: ApprovalRecord, state: SettledState, at: number, reason?: string): ApprovalStep {
  return { ok: true, record: { ...final(record, state, at), ...withReason(reason) } };
}

function final(record: ApprovalRecord, state: SettledState, at: number): ApprovalRecord {
  const { reason: _previous, ...rest } = record;
  return { ...rest, state, decidedAt: at, revision: record.revision + 1 };
}

function withReason(reason: string | undefined): { reason?: string } {
  return reason ? { reason } : {};
}

function notPending(state: SettledState): ApprovalRefusal {
  return state === 'approved' || state === 'denied' ? { code: 'already_decided', state } : { code: 'expired', state };
}

function refuse(refusal: ApprovalRefusal): ApprovalStep {
  return { ok: false, refusal };
}
