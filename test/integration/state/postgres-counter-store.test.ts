import { createLogger } from '../../../gateway/log';
import { migrate } from '../../../gateway/state/migrate';
import { PostgresCounterStore } from '../../../gateway/state/postgres-counter-store';
import { createPool, PostgresState } from '../../../gateway/state/postgres-state';
import { contractLeaseMs, counterStoreContract } from '../../contract/counter-store';
import { startPostgres, type TestPostgres } from '../../helpers/postgres';

describe('state/postgres-counter-store (CounterStore contract, real PostgreSQL)', function () {
  this.timeout(60_000);
  let pg: TestPostgres;
  const log = createLogger({ write: () => {} });
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => pg?.stop());

  counterStoreContract({ shared: true, fresh: async () => {
    const settings = { url: pg.url, schema: pg.freshSchema(), poolSize: 10, connectTimeoutMs: 2000 };
    const pool = createPool(settings);
    await migrate(pool, settings.schema);
    await pool.end();
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
