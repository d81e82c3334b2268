import { createLogger } from '../../../gateway/log';
import { PgListener } from '../../../gateway/state/pg-listener';
import { PostgresApprovalStore } from '../../../gateway/state/postgres-approval-store';
import { PostgresEventFanout } from '../../../gateway/state/postgres-event-fanout';
import { PostgresGrantStore } from '../../../gateway/state/postgres-grant-store';
import { PostgresState } from '../../../gateway/state/postgres-state';
import { describeApprovalStoreContract } from '../../contract/approval-store';
import { describeEventFanoutContract } from '../../contract/event-fanout';
import { describeGrantStoreContract } from '../../contract/grant-store';
import { usePostgres } from '../../helpers/postgres';

/**
 * The approval, grant and event fan-out contracts against real PostgreSQL: each "instance" of a
 * pair has its own pool and LISTEN connection on one fresh schema, as two gateways would.
 */
describe('state/postgres approvals, grants and events (contracts, real PostgreSQL)', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  const log = createLogger({ write: () => {} });

  /** Two instances on a fresh schema: `make` builds each one's store. */
  async function pairOn<T extends { close(): Promise<void> }>(make: (state: PostgresState, listener: PgListener) => Promise<T> | T) {
    const settings = await pg().migratedSchema();
    const instance = async () => {
      const state = await PostgresState.open(settings, log);
      const listener = new PgListener(pg().url, log);
      const store = await make(state, listener);
      return { store, close: async () => (await store.close(), await listener.close(), await state.close()) };
    };
    const [a, b] = [await instance(), await instance()];
    return { a: a.store, b: b.store, close: async () => (await a.close(), await b.close()) };
  }

  describeApprovalStoreContract('postgres', () => pairOn((state, listener) => PostgresApprovalStore.open(state, listener)));
  describeGrantStoreContract('postgres', (now) => pairOn((state) => new PostgresGrantStore(state, now)));
  describeEventFanoutContract('postgres', () => pairOn((state, listener) => PostgresEventFanout.open(state, listener)));
});
