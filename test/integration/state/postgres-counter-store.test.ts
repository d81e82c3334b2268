import assert from 'node:assert/strict';
import { createLogger } from '../../../gateway/log';
import type { Admission } from '../../../gateway/state/counter-store';
import { PostgresCounterStore } from '../../../gateway/state/postgres-counter-store';
import { PostgresState } from '../../../gateway/state/postgres-state';
import { contractLeaseMs, describeCounterStoreContract } from '../../contract/counter-store';
import { usePostgres } from '../../helpers/postgres';

describe('state/postgres-counter-store (CounterStore contract, real PostgreSQL)', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  const log = createLogger({ write: () => {} });

  describeCounterStoreContract('postgres', { shared: true, fresh: async () => {
    const settings = await pg().migratedSchema();
    return {
      instance: async () => {
        const state = await PostgresState.open(settings, log);
        const store = new PostgresCounterStore(state, contractLeaseMs, log);
        const close = store.close.bind(store);
        return Object.assign(store, { close: async () => (await close(), await state.close()) });
      },
    };
  } });

  describe('admissions in batches', () => {
    const opened: { store: PostgresCounterStore; state: PostgresState }[] = [];
    /** A store whose statements are counted (the real PostgresState, its query wrapped). */
    const open = async (settings: Awaited<ReturnType<ReturnType<typeof pg>['migratedSchema']>>) => {
      const state = await PostgresState.open(settings, log);
      const statements: string[] = [];
      const query = state.query.bind(state);
      state.query = ((text, values, name) => (statements.push(text), query(text, values, name))) as typeof state.query;
      const store = new PostgresCounterStore(state, contractLeaseMs, log);
      opened.push({ store, state });
      return { store, statements };
    };
    afterEach(async () => {
      for (const { store, state } of opened.splice(0)) await store.close().then(() => state.close());
    });
    const slot = (key: string, id: string, limit: number): Admission => ({ key, now: Date.now(), window: { amount: 1, limit: 1000, ms: 60_000 }, slot: { id, limit, leaseMs: 60_000 } });

    it('sends the admissions of one tick in one statement, and the releases with the next one', async () => {
      const { store, statements } = await open(await pg().migratedSchema());
      const first = await Promise.all(Array.from({ length: 20 }, (_, i) => store.admit(slot('k', `a${i}`, 20))));
      assert.equal(first.filter((r) => r.admitted).length, 20);
      assert.equal(statements.length, 1, 'twenty admissions, one statement');
      for (let i = 0; i < 20; i++) store.release('k', `a${i}`);
      const next = await Promise.all(Array.from({ length: 20 }, (_, i) => store.admit(slot('k', `b${i}`, 20))));
      assert.equal(next.filter((r) => r.admitted).length, 20, 'the releases went first, in the same statement');
      assert.equal(statements.length, 2);
    });

    it('never deadlocks: two instances batching the same keys in opposite orders', async () => {
      const settings = await pg().migratedSchema();
      const [a, b] = [await open(settings), await open(settings)];
      const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
      const pending = [];
      for (let round = 0; round < 15; round++) {
        pending.push(...keys.map((k) => a.store.admit(slot(k, `a${round}-${k}`, 1000))));
        pending.push(...[...keys].reverse().map((k) => b.store.admit(slot(k, `b${round}-${k}`, 1000))));
        await new Promise(setImmediate); // the next round is another statement, in flight beside this one
      }
      const results = await Promise.all(pending);
      assert.equal(results.filter((r) => r.admitted).length, 15 * 24);
    });
  });
});
