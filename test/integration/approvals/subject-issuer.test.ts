import assert from 'node:assert/strict';
import { buildExchange, caller, requireApproval, awaitApprovalOf } from '../../builders/approval-exchange';
import { approverPolicy, startAdmin, type AdminHarness } from '../../builders/admin-runtime';
import { nextEvent } from '../../builders/wait-for';

const staff = 'https://staff.idp.test';
const other = 'urn:gatehouse:dev';

/**
 * Issue 15 item 6: server.admins and approver subjects match the issuer too. Two trusted issuers
 * can each have a user named `sec-lead`; the entry that names one issuer must not let the other
 * one's `sec-lead` read the audit log or approve a request.
 */
describe('admin API: listed subjects match their issuer too', () => {
  let h: AdminHarness;
  afterEach(() => h?.close());

  const approvers = {
    'tok-staff-sec': { issuer: staff, subject: 'sec-lead', groups: [] },
    'tok-other-sec': { issuer: other, subject: 'sec-lead', groups: [] },
    'tok-staff-ml': { issuer: staff, subject: 'ml-lead', groups: [] },
    'tok-other-ml': { issuer: other, subject: 'ml-lead', groups: [] },
  };

  it('server.admins: the named issuer\'s sec-lead reads the policy, the other issuer\'s sec-lead gets 403', async () => {
    h = await startAdmin({ approvers, admins: { subjects: [{ issuer: staff, subject: 'sec-lead' }] } });
    assert.equal((await h.call('GET', '/admin/policy', { token: 'tok-staff-sec' })).status, 200);
    const res = await h.call('GET', '/admin/policy', { token: 'tok-other-sec' });
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'ERR_ADMIN_FORBIDDEN');
  });

  it('approvers: only the named issuer\'s ml-lead may approve', async () => {
    h = await startAdmin({ approvers, policy: approverPolicy([{ subjects: [{ issuer: staff, subject: 'ml-lead' }] }]) });
    const requested = nextEvent(h.events, 'approval.requested');
    const wait = awaitApprovalOf(h.approvals, buildExchange({ decision: requireApproval({ approvers: { subjects: [{ issuer: staff, subject: 'ml-lead' }] } }), principal: caller() }));
    wait.catch(() => {});
    const { id } = await requested;
    const refused = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-other-ml', body: { decision: 'approve' } });
    // No rule names the other issuer's ml-lead: the admin API refuses it before the rule's own check.
    assert.deepEqual([refused.status, refused.json.error.code], [403, 'ERR_ADMIN_NOT_APPROVER']);
    const approved = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-staff-ml', body: { decision: 'approve' } });
    assert.equal(approved.status, 200);
    await wait;
  });
});
