import assert from 'node:assert/strict';
import { localAdminPrincipal, type ApprovalRecord } from '../../../../gateway/core/approvals/approval-record';
import { applyApprovalEvent, isSettled, mayApprove, type ApprovalEvent, type ApprovalRefusal } from '../../../../gateway/core/approvals/approval-rules';
import type { ApprovalState } from '../../../../gateway/core/admin-api';
import { leads, pendingRecord, person, t0 } from '../../../builders/approval-record';

const [lead1, lead2] = leads(2);
const at = t0 + 5000;
const quorum = (minApprovals: number, grantTtlMs = 0) => ({ approval: { groups: ['ml-leads'], subjects: [], minApprovals, waitMs: 30_000, grantTtlMs } });
const vote = (approver = lead1, verdict: 'approve' | 'deny' = 'approve', more: Partial<Extract<ApprovalEvent, { kind: 'vote' }>> = {}): ApprovalEvent => ({ kind: 'vote', approver, verdict, at, ...more });

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') for (const v of Object.values(o)) deepFreeze(v);
  return Object.freeze(o);
}

/** Applies the events in turn, each to the previous result, and returns the last step. */
function run(record: ApprovalRecord, ...events: ApprovalEvent[]) {
  let current = deepFreeze(record);
  let step = applyApprovalEvent(current, events[0]);
  for (const e of events.slice(1)) {
    assert.ok(step.ok, `step before ${e.kind} applied`);
    current = deepFreeze(step.record);
    step = applyApprovalEvent(current, e);
  }
  return step;
}

describe('core/approvals/approval-rules', () => {
  describe('transitions from pending', () => {
    const table: { name: string; record?: Partial<ApprovalRecord>; events: ApprovalEvent[]; expect: Partial<ApprovalRecord> }[] = [
      { name: 'an approving vote reaching a quorum of 1 approves', events: [vote(lead1, 'approve', { reason: 'ticket ML-42' })], expect: { state: 'approved', decidedAt: at, reason: 'ticket ML-42', votes: [{ issuer: lead1.issuer, subject: 'lead-1', at, reason: 'ticket ML-42' }], revision: 1 } },
      { name: 'an approving vote short of the quorum stays pending, counting it', record: quorum(2), events: [vote(lead1, 'approve', { reason: 'fine by me' })], expect: { state: 'pending', decidedAt: undefined, reason: undefined, votes: [{ issuer: lead1.issuer, subject: 'lead-1', at, reason: 'fine by me' }], revision: 1 } },
      { name: 'a second distinct approver reaches the quorum', record: quorum(2), events: [vote(lead1), vote(lead2)], expect: { state: 'approved', votes: [{ issuer: lead1.issuer, subject: 'lead-1', at }, { issuer: lead2.issuer, subject: 'lead-2', at }], revision: 2 } },
      { name: 'approval of a rule with a grant TTL names the grant', record: quorum(1, 60_000), events: [vote(lead1, 'approve', { grantId: 'grt_1' })], expect: { state: 'approved', grantId: 'grt_1' } },
      { name: 'approval of a rule without a grant TTL makes none', events: [vote(lead1, 'approve', { grantId: 'grt_1' })], expect: { state: 'approved', grantId: undefined } },
      { name: 'a vote short of quorum names no grant yet', record: quorum(2, 60_000), events: [vote(lead1, 'approve', { grantId: 'grt_1' })], expect: { state: 'pending', grantId: undefined } },
      { name: 'a denying vote denies at once, with its reason', events: [vote(lead1, 'deny', { reason: 'freeze' })], expect: { state: 'denied', decidedAt: at, reason: 'freeze', deniedBy: { issuer: lead1.issuer, subject: 'lead-1', at, reason: 'freeze' }, votes: [] } },
      { name: 'a denial after an approving vote denies, keeping the vote', record: quorum(2), events: [vote(lead1), vote(lead2, 'deny')], expect: { state: 'denied', deniedBy: { issuer: lead2.issuer, subject: 'lead-2', at }, votes: [{ issuer: lead1.issuer, subject: 'lead-1', at }] } },
      { name: 'a retract takes back an approver\'s vote', record: quorum(2), events: [vote(lead1), { kind: 'retract', approver: lead1, at }], expect: { state: 'pending', votes: [], revision: 2 } },
      { name: 'the wait running out times out', events: [{ kind: 'timeout', at }], expect: { state: 'timeout', decidedAt: at, reason: undefined } },
      { name: 'the caller leaving withdraws, without a reason', events: [{ kind: 'withdraw', cause: 'client_closed', at }], expect: { state: 'withdrawn', decidedAt: at, reason: undefined } },
      { name: 'shutdown withdraws, saying so', events: [{ kind: 'withdraw', cause: 'shutdown', at }], expect: { state: 'withdrawn', reason: 'gateway shutting down' } },
      { name: 'the holder gone abandons', events: [{ kind: 'abandon', at }], expect: { state: 'abandoned', decidedAt: at } },
      { name: 'the local admin may approve any rule', record: { approval: { groups: [], subjects: [], minApprovals: 1, waitMs: 1, grantTtlMs: 0 } }, events: [vote(localAdminPrincipal)], expect: { state: 'approved' } },
      { name: 'an approver listed by subject', record: { approval: { groups: [], subjects: ['sec-oncall'], minApprovals: 1, waitMs: 1, grantTtlMs: 0 } }, events: [vote(person('sec-oncall'))], expect: { state: 'approved' } },
      { name: 'an approver listed by issuer and subject', record: { approval: { groups: [], subjects: [{ issuer: 'https://staff.test', subject: 'sec-oncall' }], minApprovals: 1, waitMs: 1, grantTtlMs: 0 } }, events: [vote(person('sec-oncall', [], 'https://staff.test'))], expect: { state: 'approved' } },
    ];
    for (const t of table) {
      it(t.name, () => {
        const step = run(pendingRecord({ revision: 0, ...t.record }), ...t.events);
        assert.ok(step.ok, JSON.stringify(step));
        for (const [k, v] of Object.entries(t.expect)) assert.deepEqual(step.record[k as keyof ApprovalRecord], v, k);
      });
    }
  });

  describe('refusals', () => {
    const self = person('lead-1', ['ml-leads']);
    const table: { name: string; record?: Partial<ApprovalRecord>; events: ApprovalEvent[]; refusal: ApprovalRefusal }[] = [
      { name: 'self-approval, even by an approver of the rule', record: { principal: self }, events: [vote(lead1)], refusal: { code: 'self' } },
      { name: 'self-denial', record: { principal: self }, events: [vote(lead1, 'deny')], refusal: { code: 'self' } },
      { name: 'the local admin deciding its own request', record: { principal: { ...localAdminPrincipal, groups: [...localAdminPrincipal.groups] } }, events: [vote(localAdminPrincipal)], refusal: { code: 'self' } },
      { name: 'an approver outside the rule', events: [vote(person('intern', ['ci']))], refusal: { code: 'not_approver', rule: 'fine-tune-needs-approval' } },
      { name: 'a listed subject from another issuer', record: { approval: { groups: [], subjects: [{ issuer: 'https://staff.test', subject: 'sec-oncall' }], minApprovals: 1, waitMs: 1, grantTtlMs: 0 } }, events: [vote(person('sec-oncall'))], refusal: { code: 'not_approver', rule: 'fine-tune-needs-approval' } },
      { name: 'an approver voting twice toward a quorum', record: quorum(2), events: [vote(lead1), vote(lead1)], refusal: { code: 'already_voted' } },
      { name: 'an approver denying after approving (one voice each)', record: quorum(2), events: [vote(lead1), vote(lead1, 'deny')], refusal: { code: 'already_voted' } },
      { name: 'a retract of a vote that is not there', events: [{ kind: 'retract', approver: lead1, at }], refusal: { code: 'not_voted' } },
    ];
    for (const t of table) {
      it(`refuses ${t.name}`, () => {
        const step = run(pendingRecord(t.record), ...t.events);
        assert.deepEqual(step, { ok: false, refusal: t.refusal });
      });
    }

    const finals: { state: ApprovalState; via: ApprovalEvent; refusal: ApprovalRefusal }[] = [
      { state: 'approved', via: vote(lead1), refusal: { code: 'already_decided', state: 'approved' } },
      { state: 'denied', via: vote(lead1, 'deny'), refusal: { code: 'already_decided', state: 'denied' } },
      { state: 'timeout', via: { kind: 'timeout', at }, refusal: { code: 'expired', state: 'timeout' } },
      { state: 'withdrawn', via: { kind: 'withdraw', cause: 'client_closed', at }, refusal: { code: 'expired', state: 'withdrawn' } },
      { state: 'abandoned', via: { kind: 'abandon', at }, refusal: { code: 'expired', state: 'abandoned' } },
    ];
    const later: ApprovalEvent[] = [vote(lead2), vote(lead2, 'deny'), { kind: 'retract', approver: lead1, at }, { kind: 'timeout', at }, { kind: 'withdraw', cause: 'shutdown', at }, { kind: 'abandon', at }];
    for (const f of finals) {
      it(`a ${f.state} approval never changes: every event is refused (${f.refusal.code})`, () => {
        for (const e of later) assert.deepEqual(run(pendingRecord(), f.via, e), { ok: false, refusal: f.refusal }, e.kind);
      });
    }
  });

  it('never changes the record it is given (the inputs above are frozen)', () => {
    const record = deepFreeze(pendingRecord(quorum(2)));
    const step = applyApprovalEvent(record, vote(lead1));
    assert.ok(step.ok);
    assert.notEqual(step.record, record);
    assert.deepEqual(record.votes, []);
  });

  it('mayApprove: the local admin always; others by group or listed subject', () => {
    const rule = { groups: ['ml-leads'], subjects: ['sec-oncall'], minApprovals: 1, waitMs: 1, grantTtlMs: 0 };
    assert.equal(mayApprove(localAdminPrincipal, { ...rule, groups: [], subjects: [] }), true);
    assert.equal(mayApprove(lead1, rule), true);
    assert.equal(mayApprove(person('sec-oncall'), rule), true);
    assert.equal(mayApprove(person('intern', ['ci']), rule), false);
    assert.equal(mayApprove({ ...localAdminPrincipal, issuer: 'https://issuer.test' }, rule), false);
  });

  it('isSettled: every state but pending', () => {
    assert.deepEqual((['pending', 'approved', 'denied', 'timeout', 'withdrawn', 'abandoned'] as const).map((state) => isSettled({ state })), [false, true, true, true, true, true]);
  });
});
