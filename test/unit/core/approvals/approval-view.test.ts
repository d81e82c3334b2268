import assert from 'node:assert/strict';
import { approvalOutcome, approvalView, resolvedEvent } from '../../../../gateway/core/approvals/approval-view';
import { leads, pendingRecord, t0 } from '../../../builders/approval-record';

const [lead1, lead2] = leads(2);
const vote = (p: { issuer: string; subject: string }, at: number, reason?: string) => ({ issuer: p.issuer, subject: p.subject, at, ...(reason ? { reason } : {}) });
const iso = (ms: number) => new Date(ms).toISOString();

describe('core/approvals/approval-view', () => {
  it('approvalView: the contract\'s Approval, times as ISO strings, optional fields only when set', () => {
    const pending = pendingRecord({ model: undefined, policyVersion: undefined });
    assert.deepEqual(approvalView(pending), {
      id: pending.id, requestId: pending.requestId, state: 'pending', principal: { issuer: 'https://issuer.test', subject: 'ci-deployer', groups: ['ci'] },
      method: 'POST', path: '/v1/fine_tuning/jobs', rule: 'fine-tune-needs-approval', approvers: { groups: ['ml-leads'], subjects: [] }, minApprovals: 1,
      streaming: false, requestedAt: iso(t0), expiresAt: iso(t0 + 30_000), approvals: [],
    });
    const denied = pendingRecord({ state: 'denied', decidedAt: t0 + 1, deniedBy: vote(lead1, t0 + 1, 'no'), reason: 'no', grantId: 'grt_x' });
    const view = approvalView(denied);
    assert.equal(view.decidedAt, iso(t0 + 1));
    assert.deepEqual(view.deniedBy, { issuer: lead1.issuer, subject: 'lead-1', at: iso(t0 + 1), reason: 'no' });
    assert.equal(view.reason, 'no');
    assert.equal(view.model, 'gpt-4o');
    assert.equal(view.policyVersion, 'sha256:test');
    assert.equal(view.grantId, 'grt_x');
  });

  it('resolvedEvent: approvers comma-separated, the denier, nobody for timeouts', () => {
    const approved = pendingRecord({ state: 'approved', votes: [vote(lead1, t0), vote(lead2, t0)], reason: 'ok' });
    assert.deepEqual(resolvedEvent(approved), { id: approved.id, state: 'approved', by: 'lead-1, lead-2', reason: 'ok' });
    const denied = pendingRecord({ state: 'denied', votes: [vote(lead1, t0)], deniedBy: vote(lead2, t0) });
    assert.deepEqual(resolvedEvent(denied), { id: denied.id, state: 'denied', by: 'lead-2' });
    const timedOut = pendingRecord({ state: 'timeout', votes: [vote(lead1, t0)] });
    assert.deepEqual(resolvedEvent(timedOut), { id: timedOut.id, state: 'timeout' });
  });

  it('approvalOutcome: what the held request\'s records say', () => {
    const denied = pendingRecord({ state: 'denied', votes: [vote(lead1, t0)], deniedBy: vote(lead2, t0), reason: 'freeze' });
    assert.deepEqual(approvalOutcome(denied), { id: denied.id, state: 'denied', by: ['lead-2'], reason: 'freeze' });
    const approved = pendingRecord({ state: 'approved', votes: [vote(lead1, t0), vote(lead2, t0)] });
    assert.deepEqual(approvalOutcome(approved), { id: approved.id, state: 'approved', by: ['lead-1', 'lead-2'] });
    const stillPending = pendingRecord();
    assert.deepEqual(approvalOutcome(stillPending), { id: stillPending.id, state: 'withdrawn', by: [] });
  });
});
