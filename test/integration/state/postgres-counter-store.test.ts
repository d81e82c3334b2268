import assert from 'node:assert/strict';
import { Client } from 'pg';
import { createLogger } from '../../../gateway/log';
import { counterKeyDigest, type Admission } from '../../../gateway/state/counter-store';
import { PostgresCounterStore } from '../../../gateway/state/postgres-counter-store';
import { PostgresState } from '../../../gateway/state/postgres-state';
import { contractLeaseMs, describeCounterStoreContract } from '../../contract/counter-store';
import { until } from '../../helpers/audit-log';
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
    /**
     * A store whose statements are counted, and the most admission statements it had in flight at
     * once (the real PostgresState: its query and submit wrapped).
     */
    const open = async (settings: Awaited<ReturnType<ReturnType<typeof pg>['migratedSchema']>>) => {
      const state = await PostgresState.open(settings, log);
      const statements: string[] = [];
      const admitting = { now: 0, most: 0 };
      const query = state.query.bind(state);
      state.query = ((text, values, name) => {
        statements.push(text);
        return query(text, values, name);
      }) as typeof state.query;
      const submit = state.submit.bind(state);
      state.submit = (statement) => {
        statements.push(statement.text);
        admitting.most = Math.max(admitting.most, ++admitting.now);
        const answered = statement.callback;
        statement.callback = (err, rows) => {
          admitting.now--;
          answered(err, rows);
        };
        submit(statement);
      };
      const store = new PostgresCounterStore(state, contractLeaseMs, log);
      opened.push({ store, state });
      return { store, statements, admitting, state };
    };
    /** Holds `key`'s advisory lock (as a batch takes it) from another session until the returned function is called. */
    const lockKey = async (key: string) => {
      const client = new Client({ connectionString: pg().url });
      client.on('error', () => undefined); // its server may be stopped under it
      await client.connect();
      await client.query("SELECT pg_advisory_lock(hashtext('gatehouse rate_windows'), hashtext($1))", [counterKeyDigest(key)]);
      return () => client.end();
    };
    const window = (key: string): Admission => ({ now: Date.now(), windows: [{ key, amount: 1, limit: 1000, ms: 60_000 }] });
    afterEach(async () => {
      for (const { store, state } of opened.splice(0)) await store.close().then(() => state.close());
    });
    /** Until the key's places hold `held` slots (the release reached PostgreSQL). */
    const waitForRelease = async (schema: string, key: string, held = 0) => {
      for (let i = 0; ; i++) {
        const [{ n }] = await pg().sql<{ n: string }>(`SELECT count(*) FILTER (WHERE holder IS NOT NULL) AS n FROM ${schema}.slot_leases WHERE key = $1`, [counterKeyDigest(key)]);
        if (Number(n) === held) return;
        assert.ok(i < 200, `the release of ${key} never reached PostgreSQL`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const slot = (key: string, id: string, limit: number): Admission => ({ now: Date.now(), windows: [{ key, amount: 1, limit: 1000, ms: 60_000 }], slot: { key, id, limit, leaseMs: 60_000 } });

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

    it('a release with nothing in flight goes at the end of its tick (no timer to wait on); one made while a statement is in flight goes once it is answered', async () => {
      const settings = await pg().migratedSchema();
      const [a, b] = [await open(settings), await open(settings)];
      assert.ok((await a.store.admit(slot('solo', 's1', 1))).admitted);
      a.store.release('solo', 's1');
      await new Promise(setImmediate);
      assert.equal(a.statements.length, 2, 'the release is on its way already');
      // The other instance can have the only slot at once.
      await waitForRelease(settings.schema, 'solo');
      assert.ok((await b.store.admit(slot('solo', 's2', 1))).admitted);
      // In flight: an admission's statement; the release made meanwhile follows its answer.
      assert.ok((await a.store.admit(slot('busy', 's3', 5))).admitted);
      const pending = a.store.admit(slot('busy', 's4', 5));
      await new Promise(setImmediate);
      a.store.release('busy', 's3');
      assert.ok((await pending).admitted);
      await waitForRelease(settings.schema, 'busy', 1);
    });

    it('keeps one statement in flight: the admissions made meanwhile go together in the next, once it is answered', async () => {
      const settings = await pg().migratedSchema();
      const { store, statements, admitting } = await open(settings);
      const unlock = await lockKey('hot'); // the first statement waits on the key's lock
      const pending = [];
      for (let round = 0; round < 10; round++) {
        pending.push(...Array.from({ length: 5 }, () => store.admit(window('hot'))));
        await new Promise(setImmediate); // each round a tick of its own
      }
      assert.equal(statements.length, 1, 'nine ticks of admissions wait for the statement in flight');
      await unlock();
      assert.equal((await Promise.all(pending)).filter((r) => r.admitted).length, 50);
      assert.equal(statements.length, 2, 'the other 45 went together');
      assert.equal(admitting.most, 1);
      const [{ used }] = await pg().sql<{ used: string }>(`SELECT used FROM ${settings.schema}.rate_windows WHERE key = $1`, [counterKeyDigest('hot')]);
      assert.equal(Number(used), 50);
    });

    it('more admissions in one tick than a statement takes: the rest go once the first is answered, never two statements at once', async () => {
      const { store, statements, admitting } = await open(await pg().migratedSchema());
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => store.admit(window(`k${i % 7}`))));
      assert.equal(results.filter((r) => r.admitted).length, 300);
      assert.equal(statements.length, 2);
      assert.equal(admitting.most, 1);
    });

    it('settlements ride with the statement of their tick, before its admissions, and answer the count after them (none for a window that has ended)', async () => {
      const { store, statements } = await open(await pg().migratedSchema());
      const now = Date.now();
      const first = await store.admit({ now, windows: [{ key: 'budget', amount: 20, limit: 20, ms: 60_000 }, { key: 'short', amount: 5, limit: 100, ms: 10 }] });
      assert.ok(first.admitted);
      const [budget, short] = first.charges;
      assert.ok((await store.admit({ now: now + 10, windows: [{ key: 'short', amount: 1, limit: 100, ms: 10 }] })).admitted, 'a new window of `short`');
      const before = statements.length;
      const [budgetAfter, shortAfter, next] = await Promise.all([
        store.settle(budget!.charge, -13), store.settle(short!.charge, -5),
        store.admit({ now, windows: [{ key: 'budget', amount: 13, limit: 20, ms: 60_000 }] }),
      ]);
      assert.equal(statements.length - before, 1, 'two settlements and an admission, one statement');
      assert.equal(budgetAfter, 7);
      assert.equal(shortAfter, undefined, 'the window it charged has ended: nothing to settle');
      assert.ok(next.admitted, 'what the settlement gave back counts for the admission beside it');
      assert.equal(next.charges[0]!.used, 20);
    });

    it('a rolling upgrade: an instance from before migration 012 (its 12-argument admit_batch, a statement per settlement) counts the same windows beside one of 012', async () => {
      const settings = await pg().migratedSchema();
      const { store } = await open(settings);
      const key = counterKeyDigest('shared');
      const now = Date.now();
      const first = await store.admit({ now, windows: [{ key: 'shared', amount: 20, limit: 30, ms: 60_000 }] });
      assert.ok(first.admitted);
      const [old] = await pg().sql<{ used: string[] }>(`SELECT used FROM ${settings.schema}.admit_batch('{}', '{}', $1, '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{1}', $2, '{5}', '{30}', '{60000}')`,
        [[now], [key]]);
      assert.deepEqual(old!.used.map(Number), [25], "the old instance's admission counts the new one's");
      await pg().sql(`UPDATE ${settings.schema}.rate_windows SET used = greatest(0, used + $3) WHERE key = $1 AND window_start = $2`, [key, first.charges[0]!.charge.windowStart, -10]);
      const [after, refused] = await Promise.all([
        store.admit({ now, windows: [{ key: 'shared', amount: 15, limit: 30, ms: 60_000 }] }),
        store.admit({ now, windows: [{ key: 'shared', amount: 1, limit: 30, ms: 60_000 }] }),
      ]);
      assert.ok(after.admitted && after.charges[0]!.used === 30, "and the new one the old one's admission and settlement");
      assert.equal(refused.admitted, false);
      assert.equal(await store.settle(first.charges[0]!.charge, -5), 25);
    });

    it('a rolling upgrade across migration 010: a batch of an instance from before it (009\'s 10-argument admit_batch) and one of the store never deadlock', async () => {
      const settings = await pg().migratedSchema();
      const { store } = await open(settings);
      // Three keys in the order 009's batch takes them (its keys sorted as text): a, s (with a slot), b.
      const digests = (await pg().sql<{ key: string }>('SELECT k AS key FROM unnest($1::text[]) AS k ORDER BY k', [['r1', 'r2', 'r3'].map(counterKeyDigest)])).map((r) => r.key);
      const name = (digest: string) => ['r1', 'r2', 'r3'].find((k) => counterKeyDigest(k) === digest)!;
      const [a, s, b] = digests.map(name) as [string, string, string];
      const ask = (keys: string[]): Admission => ({ now: Date.now(), windows: keys.map((key) => ({ key, amount: 1, limit: 1e6, ms: 60_000 })) });
      assert.ok((await store.admit(ask([a, s, b]))).admitted);
      const [holder, old, watcher] = [0, 1, 2].map(() => new Client({ connectionString: pg().url, application_name: 'gatehouse' }));
      for (const c of [holder!, old!, watcher!]) await c.connect();
      try {
        // Another session holds s's slot lock: the old batch charges a's window row, then waits there.
        await holder!.query('BEGIN');
        await holder!.query("SELECT pg_advisory_xact_lock(hashtext('gatehouse slot_leases'), hashtext($1))", [counterKeyDigest(s)]);
        const now = Date.now();
        const oldBatch = old!.query(`SELECT i, admitted FROM ${settings.schema}.admit_batch('{}', '{}', $1, $2, '{1,1,1}', '{1000000,1000000,1000000}', '{60000,60000,60000}', $3, '{NULL,10,NULL}', '{NULL,60000,NULL}')`,
          [digests, [now, now, now], [null, 'old-slot', null]]);
        const waiting = async () => Number((await watcher!.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'gatehouse' AND wait_event_type = 'Lock'")).rows[0]!.n);
        await until(async () => (await waiting()) === 1, 3_000, 'the old batch waiting on the slot lock');
        // The store's admission charges b, then a: b's row first (before migration 013 the old batch
        // held a's row and, once it had its slot, wanted b's: a cycle PostgreSQL breaks by failing one).
        let answered = false;
        const newBatch = store.admit(ask([b, a])).finally(() => (answered = true));
        await until(async () => answered || (await waiting()) === 2, 3_000, "the store's admission waiting or answered");
        await holder!.query('COMMIT');
        const [oldRows, admitted] = await Promise.all([oldBatch, newBatch]);
        assert.deepEqual(oldRows.rows.map((r: { admitted: boolean }) => r.admitted), [true, true, true]);
        assert.ok(admitted.admitted);
      } finally {
        for (const c of [holder!, old!, watcher!]) await c.end();
      }
      const rows = await pg().sql<{ key: string; used: string }>(`SELECT key, used FROM ${settings.schema}.rate_windows WHERE key = ANY($1)`, [digests]);
      assert.deepEqual(Object.fromEntries(rows.map((r) => [name(r.key), Number(r.used)])), { [a]: 3, [s]: 2, [b]: 3 });
    });

    it('PostgreSQL dies mid-batch: the statement in flight and the admissions queued behind it fail closed (503), nothing stays charged, and admissions resume once it is back', async () => {
      const settings = await pg().migratedSchema();
      const { store, statements, state } = await open(settings);
      const unlock = await lockKey('restart');
      const inFlight = Array.from({ length: 5 }, () => store.admit(window('restart')));
      await new Promise(setImmediate);
      const queued = Array.from({ length: 5 }, () => store.admit(window('restart')));
      await new Promise(setImmediate);
      const back = new Promise<void>((resolve) => state.health.onChange(() => state.health.available && resolve()));
      let paused = false;
      try {
        assert.equal(statements.length, 1, 'the statement in flight waits on the lock, the others behind it');
        // Immediate, as a crash: the server says nothing to its clients before their connections
        // end (pg then emits 'error' on the connection the statement runs on: unheard, it would end
        // the process), and no dying session hands its lock on (with a fast stop the lock's holder
        // could die first and the statement in flight commit before its own session is told to quit).
        // The server runs with synchronous_commit off: a crash would also lose the schema's recent
        // commits (this test's migration) still in its WAL buffers, so they are written out first.
        await pg().sql('CHECKPOINT');
        pg().pause('immediate');
        paused = true;
        for (const settled of await Promise.allSettled([...inFlight, ...queued])) {
          assert.equal(settled.status, 'rejected');
          assert.equal((settled.reason as { status?: number }).status, 503);
          assert.equal((settled.reason as { code?: string }).code, 'ERR_STATE_UNAVAILABLE');
        }
      } finally {
        await unlock().catch(() => undefined);
        if (paused) await pg().resume();
      }
      await back;
      assert.ok((await store.admit(window('restart'))).admitted);
      const [{ used }] = await pg().sql<{ used: string }>(`SELECT used FROM ${settings.schema}.rate_windows WHERE key = $1`, [counterKeyDigest('restart')]);
      assert.equal(Number(used), 1, 'only the admission after the restart counts');
    });

    it('slot ids and keys of any text reach PostgreSQL as they are (quotes, backslashes, commas, braces, the word NULL)', async () => {
      const settings = await pg().migratedSchema();
      const { store } = await open(settings);
      const ids = ['NULL', 'a"b', 'c\\d', 'e,f', '{g}', ' h ', 'ünï'];
      const key = 'k"\\,{NULL}';
      const results = await Promise.all(ids.map((id) => store.admit(slot(key, id, ids.length))));
      assert.deepEqual(results.map((r) => r.admitted), ids.map(() => true));
      const holders = await pg().sql<{ holder: string }>(`SELECT holder FROM ${settings.schema}.slot_leases WHERE key = $1 AND holder IS NOT NULL`, [counterKeyDigest(key)]);
      assert.deepEqual(holders.map((h) => h.holder).sort(), [...ids].sort());
      for (const id of ids) store.release(key, id);
      await store.admit(window('other')); // carries the releases
      await waitForRelease(settings.schema, key);
    });

    it('a statement PostgreSQL refuses fails its admissions and settlements with 503, changes nothing, keeps the store up, and the next statement answers', async () => {
      const settings = await pg().migratedSchema();
      const { store, state } = await open(settings);
      const first = await store.admit({ now: Date.now(), windows: [{ key: 'budget', amount: 5, limit: 100, ms: 60_000 }] });
      assert.ok(first.admitted);
      // A delta that is no bigint: PostgreSQL refuses the statement (22P02), the connection is fine.
      const refused = await Promise.allSettled([store.settle(first.charges[0]!.charge, 0.5), store.admit(window('budget-2'))]);
      for (const settled of refused) {
        assert.equal(settled.status, 'rejected');
        assert.equal((settled.reason as { code?: string }).code, 'ERR_STATE_UNAVAILABLE');
      }
      assert.ok(state.health.available, 'a refused statement is not an outage');
      const next = await store.admit({ now: Date.now(), windows: [{ key: 'budget', amount: 1, limit: 100, ms: 60_000 }] });
      assert.ok(next.admitted);
      assert.equal(next.charges[0]!.used, 6, 'the refused statement changed nothing');
      assert.equal(await store.settle(next.charges[0]!.charge, -2), 4);
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

    it('never deadlocks: admissions of several windows each (a caller\'s rate window, its groups\' budgets), the same keys in opposite orders on two instances', async () => {
      const settings = await pg().migratedSchema();
      const [a, b] = [await open(settings), await open(settings)];
      const groups = Array.from({ length: 6 }, (_, i) => `group-${i}`);
      const ask = (caller: string, keys: string[]): Admission => ({ now: Date.now(), windows: [caller, ...keys].map((key) => ({ key, amount: 1, limit: 1e6, ms: 60_000 })) });
      const pending = [];
      for (let round = 0; round < 15; round++) {
        // Each batch holds several admissions whose windows overlap, taken in opposite orders by the two instances.
        for (let i = 0; i < 6; i++) {
          pending.push(a.store.admit(ask(`caller-${i}`, groups.slice(i).concat(groups.slice(0, i)))));
          pending.push(b.store.admit(ask(`caller-${5 - i}`, [...groups].reverse().slice(i))));
        }
        await new Promise(setImmediate); // the next round is another statement, in flight beside this one
      }
      const results = await Promise.all(pending);
      assert.equal(results.filter((r) => r.admitted).length, 15 * 12);
      const [{ used }] = await pg().sql<{ used: string }>(`SELECT used FROM ${settings.schema}.rate_windows WHERE key = $1`, [counterKeyDigest('group-0')]);
      assert.equal(Number(used), 15 * 12, 'every admission charged group-0 once');
    });

    it('never deadlocks: a statement settling the keys the other instance admits, and admitting the keys that one settles', async () => {
      const settings = await pg().migratedSchema();
      const [a, b] = [await open(settings), await open(settings)];
      const [xs, ys] = [['x0', 'x1', 'x2'], ['y0', 'y1', 'y2']];
      const ask = (keys: string[]): Admission => ({ now: Date.now(), windows: keys.map((key) => ({ key, amount: 1, limit: 1e6, ms: 60_000 })) });
      const first = await a.store.admit(ask([...xs, ...ys]));
      assert.ok(first.admitted);
      const charge = (key: string) => first.charges[[...xs, ...ys].indexOf(key)]!.charge;
      // Another session holds the rows of x2 and y2 until both statements wait: each has settled the
      // rows before them by then, so both go on at once (without the settled keys' locks taken in the
      // one global order, each then waits for a row the other settled: deadlock).
      const [holder, watcher] = [new Client({ connectionString: pg().url }), new Client({ connectionString: pg().url })];
      await holder.connect();
      await watcher.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM ${settings.schema}.rate_windows WHERE key = ANY($1) FOR UPDATE`, [['x2', 'y2'].map(counterKeyDigest)]);
        const pending = [
          ...xs.map((k) => a.store.settle(charge(k), 1)), a.store.admit(ask(ys)),
          ...ys.map((k) => b.store.settle(charge(k), 1)), b.store.admit(ask(xs)),
        ];
        const waiting = async () => (await watcher.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'gatehouse' AND wait_event_type = 'Lock'")).rows[0]!.n;
        await until(async () => Number(await waiting()) === 2, 3_000, 'both statements waiting on the held rows');
        await holder.query('COMMIT');
        await Promise.all(pending);
      } finally {
        await holder.end();
        await watcher.end();
      }
      const rows = await pg().sql<{ used: string }>(`SELECT used FROM ${settings.schema}.rate_windows WHERE key = ANY($1)`, [[...xs, ...ys].map(counterKeyDigest)]);
      assert.deepEqual(rows.map((r) => Number(r.used)), Array(6).fill(3), 'each key: the first admission, a settlement of +1 and an admission');
    });

    it('the sweep removes the places of keys no slot holds, and keeps a key with a held one', async () => {
      const settings = await pg().migratedSchema();
      const { store } = await open(settings);
      for (const id of ['g1', 'g2', 'g3']) assert.ok((await store.admit(slot('gone', id, 10))).admitted);
      for (const id of ['k1', 'k2']) assert.ok((await store.admit(slot('kept', id, 10))).admitted);
      for (const id of ['g1', 'g2', 'g3', 'k1']) store.release(id.startsWith('g') ? 'gone' : 'kept', id);
      await store.admit({ now: Date.now(), windows: [{ key: 'other', amount: 1, limit: 1000, ms: 60_000 }] }); // carries the releases
      const places = async () => (await pg().sql<{ n: string }>(`SELECT count(*) AS n FROM ${settings.schema}.slot_leases`))[0]!.n;
      assert.equal(await places(), '5');
      await store.sweep(Date.now());
      assert.equal(await places(), '2', "the held key's places stay (one free, one held)");
      assert.ok((await store.admit(slot('gone', 'g4', 1))).admitted, 'a swept key admits again');
      assert.equal((await store.admit(slot('kept', 'k3', 2))).admitted, true);
      assert.equal((await store.admit(slot('kept', 'k4', 2))).admitted, false, 'the held slot still counts');
    });

    it("an admission and a release write their own slot, not the key's others: as much with 400 slots held as with none", async () => {
      const { store } = await open(await pg().migratedSchema());
      /** WAL bytes PostgreSQL writes for ten admissions of one more slot, each given back (with the next). */
      const walOfTen = async (tag: string) => {
        const [{ lsn: from }] = await pg().sql<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
        for (let i = 0; i < 10; i++) {
          assert.ok((await store.admit(slot('hot', `${tag}${i}`, 1000))).admitted);
          store.release('hot', `${tag}${i}`);
        }
        await store.admit({ now: Date.now(), windows: [{ key: 'other', amount: 1, limit: 1000, ms: 60_000 }] }); // carries the last release
        const [{ bytes }] = await pg().sql<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint AS bytes', [from]);
        return Number(bytes);
      };
      const alone = await walOfTen('alone');
      await Promise.all(Array.from({ length: 400 }, (_, i) => store.admit(slot('hot', `held-${i}-${'x'.repeat(20)}`, 1000))));
      const besideMany = await walOfTen('beside');
      assert.ok(besideMany < 2 * alone + 4096, `WAL of ten admissions and releases: ${alone} bytes alone, ${besideMany} beside 400 held slots`);
    });
  });
});
