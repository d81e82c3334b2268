import assert from 'node:assert/strict';
import { MemoryApprovalStore } from '../../../gateway/state/memory-approval-store';
import { MemoryEventFanout } from '../../../gateway/state/memory-event-fanout';
import { MemoryGrantStore } from '../../../gateway/state/memory-grant-store';
import { describeApprovalStoreContract } from '../../contract/approval-store';
import { describeEventFanoutContract } from '../../contract/event-fanout';
import { describeGrantStoreContract } from '../../contract/grant-store';
import { pendingRecord, t0 } from '../../builders/approval-record';

// One process: both "instances" are the same object.
const pairOf = <T extends { close(): Promise<void> }>(store: T) => ({ a: store, b: store, close: () => store.close() });

describeApprovalStoreContract('memory', async () => pairOf(new MemoryApprovalStore()));
describeGrantStoreContract('memory', async (now) => pairOf(new MemoryGrantStore(now)));
describeEventFanoutContract('memory', async () => pairOf(new MemoryEventFanout()));

describe('MemoryApprovalStore history', () => {
  const settle = async (store: MemoryApprovalStore) => {
    const record = pendingRecord();
    await store.create(record);
    await store.apply(record.id, { kind: 'timeout', at: t0 + 1 });
    return record.id;
  };

  it('remembers the last historySize settled approvals, forgetting the oldest first; pending ones always', async () => {
    const store = new MemoryApprovalStore(2);
    const waiting = pendingRecord();
    await store.create(waiting);
    const [first, second, third] = [await settle(store), await settle(store), await settle(store)];
    assert.equal(await store.get(first), undefined);
    assert.deepEqual((await store.list('timeout')).map((r) => r.id).sort(), [second, third].sort());
    assert.equal((await store.get(waiting.id))?.state, 'pending');
    assert.deepEqual(await store.apply(first, { kind: 'timeout', at: t0 }), { ok: false, refusal: { code: 'not_found' } });
  });

  it('keeps no settled approval with historySize 0', async () => {
    const store = new MemoryApprovalStore(0);
    const id = await settle(store);
    assert.equal(await store.get(id), undefined);
    assert.deepEqual(await store.list('all'), []);
  });
});
