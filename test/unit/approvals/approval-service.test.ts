import assert from 'node:assert/strict';
import { createApprovalService } from '../../../gateway/approvals/approval-service';
import { localAdminPrincipal } from '../../../gateway/core/approvals/approval-record';
import type { ApprovalService } from '../../../gateway/runtime';
import { GatehouseError } from '../../../gateway/errors';
import { EventBus } from '../../../gateway/events';
import { silentLogger } from '../../../gateway/log';
import type { Approvals } from '../../../gateway/generated/gatehouse.config';
import { approver, buildExchange, caller, requireApproval, awaitApprovalOf } from '../../builders/approval-exchange';
import { RecordingAudit } from '../../builders/recording-audit';
import { collectEvents, nextEvent, waitFor } from '../../builders/wait-for';

async function rejectsWith(p: Promise<unknown>, status: number, code: string, message?: RegExp): Promise<GatehouseError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GatehouseError, `expected a GatehouseError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

describe('approvals/approval-service', () => {
  let events: EventBus;
  let audit: RecordingAudit;
  let clock: number;
  let service: ApprovalService;

  function start(cfg: Approvals = {}) {
    void service?.close();
    service = createApprovalService(cfg, { log: silentLogger, events, audit, now: () => clock });
  }

  /** Starts waiting and resolves with the approval id once it is announced. */
  async function held(x = buildExchange()): Promise<{ id: string; wait: Promise<void>; x: typeof x }> {
    const requested = nextEvent(events, 'approval.requested');
    const wait = awaitApprovalOf(service, x);
    wait.catch(() => {}); // observed by the test when it matters
    const { id } = await requested;
    return { id, wait, x };
  }

  beforeEach(() => {
    service = undefined as unknown as ApprovalService;
    events = new EventBus();
    audit = new RecordingAudit();
    clock = Date.parse('2025-01-01T00:00:00Z');
    start();
  });
  afterEach(() => service.close());

  it('passes other decisions through without holding', async () => {
    const x = buildExchange({ decision: { ...requireApproval(), action: 'allow' } });
    await awaitApprovalOf(service, x);
    assert.equal(x.approval, undefined);
    assert.deepEqual(audit.kinds(), []);
  });

  it('holds until an approver of the rule approves, then resolves and audits each step', async () => {
    const seen = collectEvents(events, ['approval.requested', 'approval.resolved']);
    const { id, wait, x } = await held();
    assert.equal(service.pendingCount, 1);
    const pending = await service.list('pending');
    assert.equal(pending.length, 1);
    assert.equal(pending[0].id, id);
    assert.equal(pending[0].principal.subject, 'ci-deployer');
    assert.equal(pending[0].rule, 'fine-tune-needs-approval');
    assert.equal(pending[0].model, 'gpt-4o');
    assert.equal(Date.parse(pending[0].expiresAt) - Date.parse(pending[0].requestedAt), 30_000);

    const view = await service.decide(id, approver(), 'approve', 'ticket ML-42');
    await wait;
    assert.equal(view.state, 'approved');
    assert.deepEqual(x.approval, { id, state: 'approved', by: ['ml-lead'], reason: 'ticket ML-42' });
    assert.equal(service.pendingCount, 0);
    assert.deepEqual(audit.kinds(), ['approval_requested', 'approval_approved']);
    assert.deepEqual(audit.ofKind('approval_approved')[0].fields.by, [{ issuer: 'https://issuer.test', subject: 'ml-lead' }]);
    assert.deepEqual(
      seen.list.map((e) => e.name),
      ['approval.requested', 'approval.resolved'],
    );
    assert.deepEqual(seen.list[1].payload, { id, state: 'approved', by: 'ml-lead', reason: 'ticket ML-42' });
  });

  it('denies with 403 approval_denied carrying the reason', async () => {
    const { id, wait, x } = await held();
    await service.decide(id, approver(), 'deny', 'not during the freeze');
    const err = await rejectsWith(wait, 403, 'approval_denied', /not during the freeze/);
    assert.equal(err.type, 'permission_error');
    assert.equal(x.approval?.state, 'denied');
    assert.deepEqual(x.approval?.by, ['ml-lead']);
    assert.deepEqual(audit.kinds(), ['approval_requested', 'approval_denied']);
    assert.equal(audit.ofKind('approval_denied')[0].fields.reason, 'not during the freeze');
  });

  it('refuses self-approval, even by an approver of the rule', async () => {
    const self = caller('ml-lead', ['ml-leads']);
    const { id } = await held(buildExchange({ principal: self }));
    await rejectsWith(service.decide(id, { ...self }, 'approve'), 403, 'ERR_APPROVAL_SELF');
    await rejectsWith(service.decide(id, { ...self }, 'deny'), 403, 'ERR_APPROVAL_SELF');
    assert.equal((await service.get(id))?.state, 'pending');
  });

  it('refuses a local admin approving a request the local admin made', async () => {
    const { id } = await held(buildExchange({ principal: { ...localAdminPrincipal, groups: [...localAdminPrincipal.groups] } }));
    await rejectsWith(service.decide(id, localAdminPrincipal, 'approve'), 403, 'ERR_APPROVAL_SELF');
  });

  it('refuses approvers outside the rule, accepts by subject, by group and the local admin', async () => {
    const decision = requireApproval({ approvers: { groups: ['ml-leads'], subjects: ['sec-oncall'] } });
    const table: { who: ReturnType<typeof approver>; ok: boolean }[] = [
      { who: approver('intern', ['ci']), ok: false },
      { who: { ...approver('sec-oncall', []) }, ok: true },
      { who: approver('someone', ['ml-leads']), ok: true },
      { who: localAdminPrincipal, ok: true },
    ];
    for (const { who, ok } of table) {
      const { id, wait } = await held(buildExchange({ decision }));
      if (ok) {
        await service.decide(id, who, 'approve');
        await wait;
      } else {
        await rejectsWith(service.decide(id, who, 'approve'), 403, 'ERR_APPROVAL_NOT_APPROVER', /fine-tune-needs-approval/);
        assert.equal((await service.get(id))?.state, 'pending');
        await service.decide(id, approver(), 'deny');
        await wait.catch(() => {});
      }
    }
  });

  it('refuses a second decision (409), decisions after timeout (410) and unknown ids (404)', async () => {
    const first = await held();
    await service.decide(first.id, approver(), 'approve');
    await rejectsWith(service.decide(first.id, approver('other-lead'), 'deny'), 409, 'ERR_APPROVAL_ALREADY_DECIDED');

    const denied = await held();
    await service.decide(denied.id, approver(), 'deny');
    await rejectsWith(service.decide(denied.id, approver('other-lead'), 'approve'), 409, 'ERR_APPROVAL_ALREADY_DECIDED');

    const late = await held(buildExchange({ decision: requireApproval({ timeoutSeconds: 0.02 }) }));
    await rejectsWith(late.wait, 403, 'approval_timeout');
    await rejectsWith(service.decide(late.id, approver(), 'approve'), 410, 'ERR_APPROVAL_EXPIRED');

    await rejectsWith(service.decide('apr_nope', approver(), 'approve'), 404, 'ERR_APPROVAL_NOT_FOUND');
  });

  it('needs minApprovals distinct approvers', async () => {
    const { id, wait, x } = await held(buildExchange({ decision: requireApproval({ minApprovals: 2 }) }));
    const afterOne = await service.decide(id, approver('lead-a'), 'approve');
    assert.equal(afterOne.state, 'pending');
    assert.equal(afterOne.approvals.length, 1);
    await rejectsWith(service.decide(id, approver('lead-a'), 'approve'), 409, 'ERR_APPROVAL_ALREADY_DECIDED', /another approver/);
    assert.equal(service.pendingCount, 1);
    const afterTwo = await service.decide(id, approver('lead-b'), 'approve');
    assert.equal(afterTwo.state, 'approved');
    await wait;
    assert.deepEqual(x.approval?.by, ['lead-a', 'lead-b']);
    assert.deepEqual(audit.kinds(), ['approval_requested', 'approval_vote', 'approval_approved']);
  });

  it('reuses a grant for the same principal, rule and model until it expires', async () => {
    const decision = requireApproval({ grantTtlSeconds: 60 });
    const first = await held(buildExchange({ decision }));
    const view = await service.decide(first.id, approver(), 'approve');
    await first.wait;
    assert.ok(view.grantId);
    const [grant] = (await service.listGrants());
    assert.equal(grant.id, view.grantId);
    assert.equal(grant.model, 'gpt-4o');

    const again = buildExchange({ decision });
    await awaitApprovalOf(service, again); // no approver involved
    assert.deepEqual(again.approval, { id: first.id, state: 'granted', by: ['ml-lead'] });
    assert.equal(audit.ofKind('grant_used').length, 1);
    assert.equal(audit.ofKind('grant_used')[0].fields.grantId, grant.id);
    assert.equal((await service.listGrants())[0].uses, 1);

    // Not for another model, another principal or another rule.
    for (const x of [
      buildExchange({ decision, request: { model: 'gpt-4o-mini' } }),
      buildExchange({ decision, principal: caller('someone-else') }),
      buildExchange({ decision: requireApproval({ grantTtlSeconds: 60 }, 'other-rule') }),
      buildExchange({ decision, principal: { ...caller(), issuer: 'https://other-issuer.test' } }),
    ]) {
      const h = await held(x);
      assert.equal((await service.get(h.id))?.state, 'pending');
      await service.decide(h.id, approver(), 'deny');
    }

    clock += 61_000;
    const expired = await held(buildExchange({ decision }));
    assert.equal((await service.get(expired.id))?.state, 'pending');
    assert.equal((await service.listGrants()).some((g) => g.id === grant.id), false);
  });

  it('clamps a grant to maxGrantTtlSeconds', async () => {
    start({ maxGrantTtlSeconds: 10 });
    const first = await held(buildExchange({ decision: requireApproval({ grantTtlSeconds: 3600 }) }));
    await service.decide(first.id, approver(), 'approve');
    const [grant] = (await service.listGrants());
    assert.equal(Date.parse(grant.expiresAt) - Date.parse(grant.createdAt), 10_000);
  });

  it('stops honouring a revoked grant', async () => {
    const decision = requireApproval({ grantTtlSeconds: 600 });
    const first = await held(buildExchange({ decision }));
    await service.decide(first.id, approver(), 'approve');
    const [grant] = (await service.listGrants());
    const revoked = await service.revokeGrant(grant.id, approver());
    assert.equal(revoked.revokedBy?.subject, 'ml-lead');
    assert.deepEqual((await service.listGrants()), []);
    assert.equal(audit.ofKind('grant_revoked').length, 1);
    await rejectsWith(service.revokeGrant(grant.id, approver()), 404, 'ERR_APPROVAL_GRANT_NOT_FOUND');
    const next = await held(buildExchange({ decision }));
    assert.equal((await service.get(next.id))?.state, 'pending');
  });

  it('times out with 403 approval_timeout, clamped to maxWaitSeconds', async () => {
    start({ maxWaitSeconds: 0.05 });
    const resolved = nextEvent(events, 'approval.resolved');
    const { id, wait, x } = await held(buildExchange({ decision: requireApproval({ timeoutSeconds: 3600 }) }));
    const view = (await service.get(id))!;
    assert.equal(Date.parse(view.expiresAt) - Date.parse(view.requestedAt), 50);
    await rejectsWith(wait, 403, 'approval_timeout');
    assert.deepEqual(await resolved, { id, state: 'timeout' });
    assert.equal(x.approval?.state, 'timeout');
    await waitFor(() => audit.ofKind('approval_timeout').length === 1, 'timeout audit');
    assert.equal(service.pendingCount, 0);
  });

  it('uses defaultWaitSeconds when the rule names no timeout', async () => {
    start({ defaultWaitSeconds: 7 });
    const decision = requireApproval();
    delete (decision.approval as { timeoutSeconds?: number }).timeoutSeconds;
    const { id } = await held(buildExchange({ decision }));
    const view = (await service.get(id))!;
    assert.equal(Date.parse(view.expiresAt) - Date.parse(view.requestedAt), 7000);
  });

  it('withdraws the request when the client hangs up', async () => {
    const resolved = nextEvent(events, 'approval.resolved');
    const { id, wait, x } = await held();
    x.abort();
    await rejectsWith(wait, 499, 'approval_withdrawn');
    assert.deepEqual(await resolved, { id, state: 'withdrawn' });
    assert.equal(service.pendingCount, 0);
    await waitFor(() => audit.ofKind('approval_withdrawn').length === 1, 'withdrawal audit');
    assert.equal(audit.ofKind('approval_withdrawn')[0].fields.reason, 'client_closed');
    await rejectsWith(service.decide(id, approver(), 'approve'), 410, 'ERR_APPROVAL_EXPIRED', /withdrew/);
  });

  it('fails closed: refuses beyond maxPending and when the request cannot be audited', async () => {
    start({ maxPending: 1 });
    await held();
    await rejectsWith(awaitApprovalOf(service, buildExchange()), 503, 'ERR_APPROVAL_CAPACITY');
    start();
    audit.failWith = new Error('disk full');
    await rejectsWith(awaitApprovalOf(service, buildExchange()), 503, 'ERR_APPROVAL_AUDIT');
    assert.equal(service.pendingCount, 0);
  });

  it('does not forward an approval it could not audit', async () => {
    const { id, wait } = await held();
    audit.failWith = new Error('disk full');
    await rejectsWith(service.decide(id, approver(), 'approve'), 503, 'ERR_APPROVAL_AUDIT');
    await rejectsWith(wait, 503, 'ERR_APPROVAL_AUDIT');
  });

  it('rejects held requests on close', async () => {
    const { wait } = await held();
    await service.close();
    await rejectsWith(wait, 503, 'ERR_APPROVAL_SHUTDOWN');
  });
});
