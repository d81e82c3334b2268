import * as assert from 'node:assert/strict';
import { AdminApiError, AdminClient, toAuditSummary, toPendingApproval } from '../../../../extension/admin/admin-client';
import type { Approval, AuditRecord } from '../../../../gateway/core/admin-api';
import { startAdmin, type AdminHarness } from '../../../builders/admin-runtime';
import { approver, buildExchange, caller, awaitApprovalOf } from '../../../builders/approval-exchange';
import { nextEvent } from '../../../builders/wait-for';

const chained = { prev: '0'.repeat(64), hash: 'f'.repeat(64), chain: 'gw-1', time: '2026-01-01T00:00:00.000Z' };

describe('admin API shapes', () => {
  it('summarises a full audit record (principal and decision objects)', () => {
    const record: AuditRecord = {
      ...chained, id: 'r1', seq: 4, kind: 'denied', principal: { issuer: 'urn:gatehouse:dev', subject: 'ci-deployer' },
      method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o', decision: { action: 'deny', rule: 'no-gpt-4o' }, status: 403,
      clientAddress: '203.0.113.7', userAgent: 'OpenAI/Python 1.40.0',
    };
    assert.deepEqual(toAuditSummary(record), {
      id: 'r1', seq: 4, kind: 'denied', time: '2026-01-01T00:00:00.000Z', principal: 'ci-deployer', decision: 'deny', rule: 'no-gpt-4o',
      model: 'gpt-4o', status: 403, method: 'POST', path: '/v1/chat/completions', clientAddress: '203.0.113.7', userAgent: 'OpenAI/Python 1.40.0',
    });
  });

  it('reads a checkpoint record, which has no principal', () => {
    const s = toAuditSummary({ ...chained, id: 'c1', seq: 9, kind: 'checkpoint' });
    assert.equal(s.principal, undefined);
    assert.equal(s.kind, 'checkpoint');
  });

  it('names an approval view principal by its subject', () => {
    const view: Approval = {
      id: 'apr_1', requestId: 'req_1', state: 'pending', principal: { issuer: 'i', subject: 'ci-deployer', groups: [] }, method: 'POST', path: '/v1/x',
      rule: 'r', approvers: { groups: ['ml-leads'], subjects: [] }, minApprovals: 1, streaming: false, requestedAt: 't0', expiresAt: 't1', approvals: [],
    };
    assert.deepEqual(toPendingApproval(view), { id: 'apr_1', principal: 'ci-deployer', method: 'POST', path: '/v1/x', rule: 'r', requestedAt: 't0', expiresAt: 't1' });
  });
});

describe('AdminClient against the admin API', () => {
  let h: AdminHarness;
  beforeEach(async () => (h = await startAdmin({ approvers: { 'tok-ml-lead': approver('ml-lead', ['ml-leads']) } })));
  afterEach(() => h.close());

  async function holdOne(): Promise<string> {
    const requested = nextEvent(h.events, 'approval.requested');
    awaitApprovalOf(h.approvals, buildExchange({ principal: caller() })).catch(() => {});
    return (await requested).id;
  }

  it('sends the bearer token and reads the pending list', async () => {
    const id = await holdOne();
    const list = await new AdminClient(h.url, 'tok-ml-lead').pendingApprovals();
    assert.deepEqual(list.map((a) => [a.id, a.principal, a.rule]), [[id, 'ci-deployer', 'fine-tune-needs-approval']]);
    const refused = await new AdminClient(h.url, 'not-a-token').pendingApprovals().catch((e: unknown) => e);
    assert.ok(refused instanceof AdminApiError);
    assert.deepEqual([refused.status, refused.code], [401, 'ERR_ADMIN_UNAUTHENTICATED']);
  });

  it('posts a decision and turns an error answer into AdminApiError with the code', async () => {
    const id = await holdOne();
    const client = new AdminClient(h.url, 'tok-ml-lead');
    const denied = await client.decide(id, 'deny', 'no budget');
    assert.deepEqual([denied.state, denied.reason, denied.deniedBy?.subject], ['denied', 'no budget', 'ml-lead']);
    const err = await client.decide(id, 'deny', 'again').catch((e: unknown) => e);
    assert.ok(err instanceof AdminApiError);
    assert.equal(err.status, 409);
    assert.equal(err.code, 'ERR_APPROVAL_ALREADY_DECIDED');
  });
});
