import { createLogger } from '../../../gateway/log';
import { PgListener } from '../../../gateway/state/pg-listener';
import { PostgresState } from '../../../gateway/state/postgres-state';
import { PostgresWebhookQueue } from '../../../gateway/state/postgres-webhook-queue';
import { describeWebhookQueueStoreContract } from '../../contract/webhook-queue-store';
import { usePostgres } from '../../helpers/postgres';

describe('state/postgres-webhook-queue (WebhookQueueStore contract, real PostgreSQL)', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  const log = createLogger({ write: () => {} });

  // Each instance has its own pool on one fresh schema, as gateways of a fleet would.
  describeWebhookQueueStoreContract('postgres', { shared: true, fresh: async () => {
    const settings = await pg().migratedSchema();
    let n = 0;
    return {
      open: async () => {
        const state = await PostgresState.open(settings, log);
        const listener = new PgListener(settings.url, log);
        const store = await PostgresWebhookQueue.open(state, listener, `instance-${++n}`);
        return Object.assign(store, { close: async () => (await listener.close(), await state.close()) });
      },
    };
  } });
});
