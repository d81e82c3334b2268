import assert from 'node:assert/strict';
import { createApprovalService } from '../../../gateway/approvals/approval-service';
import { GatehouseError } from '../../../gateway/errors';
import { EventBus } from '../../../gateway/events';
import { silentLogger } from '../../../gateway/log';
import type { ApprovalService } from '../../../gateway/runtime';
import { MemoryApprovalStore } from '../../../gateway/state/memory-approval-store';
import { MemoryEventFanout } from '../../../gateway/state/memory-event-fanout';
import { MemoryGrantStore } from '../../../gateway/state/memory-grant-store';
import { approver, awaitApprovalOf, buildExchange, requireApproval } from '../../builders/approval-exchange';
import { RecordingAudit } from '../../builders/recording-audit';
import { nextEvent } from '../../builders/wait-for';

/**
 * Two approval services on shared stores, as two gateway instances of a fleet would be: what
 * makes the seams right is that nothing but the stores connects them.
 */
describe('approvals on shared stores (two instances)', () => {
  let a: ApprovalService;
  let b: ApprovalService;
  let busA: EventBus;
  let busB: EventBus;
  let records: MemoryApprovalStore;

  beforeEach(() => {
    records = new MemoryApprovalStore();
    const grants = new MemoryGrantStore();
    const fanout = new MemoryEventFanout();
    busA = new EventBus(fanout);
    busB = new EventBus(fanout);
    a = createApprovalService({}, { log: silentLogger, events: busA, audit: new RecordingAudit(), approvals: records, grants, instance: 'gw-a' });
    b = createApprovalService({}, { log: silentLogger, events: busB, audit: new RecordingAudit(), approvals: records, grants, instance: 'gw-b' });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  /** Holds a request on A; resolves with its id once B's approvers hear of it. */
  async function holdOnA(x = buildExchange()) {
    const requested = nextEvent(busB, 'approval.requested');
    const wait = awaitApprovalOf(a, x);
    wait.catch(() => {});
    return { id: (await requested).id, wait, x };
  }

  it('a request held on A is approved through B: the caller on A goes on, a second decision on either is 409', async () => {
    const { id, wait, x } = await holdOnA();
    assert.equal((await b.get(id))?.state, 'pending');
    assert.deepEqual((await b.list('pending')).map((v) => v.id), [id]);
    assert.equal((await records.get(id))?.holder, 'gw-a');
    await b.decide(id, approver(), 'approve', 'ok');
    await wait;
    assert.deepEqual(x.approval, { id, state: 'approved', by: ['ml-lead'], reason: 'ok' });
    assert.equal(a.pendingCount, 0);
    for (const desk of [a, b]) await assert.rejects(desk.decide(id, approver('other-lead'), 'deny'), (e: GatehouseError) => e.status === 409 && e.code === 'ERR_APPROVAL_ALREADY_DECIDED');
  });

  it('a denial through B refuses the caller on A with 403 approval_denied', async () => {
    const { id, wait, x } = await holdOnA();
    await b.decide(id, approver(), 'deny', 'freeze');
    await assert.rejects(wait, (e: GatehouseError) => e.status === 403 && e.code === 'approval_denied' && /freeze/.test(e.message));
    assert.equal(x.approval?.state, 'denied');
  });

  it('a grant made through B admits the caller on A; revoked through A, B asks again', async () => {
    const decision = requireApproval({ grantTtlSeconds: 600 });
    const first = await holdOnA(buildExchange({ decision }));
    const view = await b.decide(first.id, approver(), 'approve');
    await first.wait;

    const again = buildExchange({ decision });
    await awaitApprovalOf(a, again);
    assert.deepEqual(again.approval, { id: first.id, state: 'granted', by: ['ml-lead'] });

    await a.revokeGrant(view.grantId!, approver());
    assert.deepEqual(await b.listGrants(), []);
    const requested = nextEvent(busA, 'approval.requested');
    const third = awaitApprovalOf(b, buildExchange({ decision }));
    third.catch(() => {});
    const { id } = await requested;
    assert.equal((await a.get(id))?.state, 'pending');
    await a.decide(id, approver(), 'deny');
    await assert.rejects(third, (e: GatehouseError) => e.code === 'approval_denied');
  });
});
