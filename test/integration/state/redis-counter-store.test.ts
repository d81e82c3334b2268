import { createLogger } from '../../../gateway/log';
import { RedisCounterStore } from '../../../gateway/state/redis-counter-store';
import { contractLeaseMs, describeCounterStoreContract } from '../../contract/counter-store';
import { startRedis, type TestRedis } from '../../helpers/redis';

describe('state/redis-counter-store (CounterStore contract, real Redis)', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  const log = createLogger({ write: () => {} });
  before(async () => {
    redis = await startRedis();
  });
  after(async () => redis?.stop());

  describeCounterStoreContract('redis', { shared: true, fresh: async () => {
    const keyPrefix = redis.freshPrefix();
    return { instance: () => RedisCounterStore.open(redis.url, { keyPrefix, leaseMs: contractLeaseMs, log }) };
  } });
});
