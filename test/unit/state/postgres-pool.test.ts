import assert from 'node:assert/strict';
import { createPool } from '../../../gateway/state/postgres-state';

describe('state/postgres-state createPool', () => {
  it('keeps idle connections open (a new one is a new PostgreSQL backend to start and warm up)', async () => {
    // Nothing connects until a query: the options are what the pool will do.
    const pool = createPool({ url: 'postgres://gatehouse@127.0.0.1:1/postgres', schema: 'gatehouse', poolSize: 10, connectTimeoutMs: 2000 });
    try {
      assert.equal(pool.options.idleTimeoutMillis, 0, 'pg closes an idle connection after 10 s unless told not to');
      assert.equal(pool.options.max, 10);
    } finally {
      await pool.end();
    }
  });
});
