import { createLogger } from '../../../gateway/log';
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
});
