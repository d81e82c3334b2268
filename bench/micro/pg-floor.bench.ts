// The floor of "one round trip" to PostgreSQL on this machine, for a caller that sends one
// statement and waits for its answer before the next (a lone sequential caller): the CPU µs this
// process spends per round trip (process.cpuUsage), PostgreSQL's (its backends, /proc), and the
// wall time, for
//   - a loopback TCP echo to another process (no PostgreSQL at all: the socket write, the wake-up
//     for the answer and the read — the part no client library can remove);
//   - the same bytes PostgreSQL's extended protocol needs for a prepared statement (Bind, Execute,
//     Sync) written on a raw socket, answered by PostgreSQL (no client library);
//   - the prepared statement through `pg-protocol` alone (the serializer and parser `pg` uses) on a
//     plain socket, and through postgres.js when PG_FLOOR_POSTGRES_JS names an installed copy;
//     the counter store's `admit_batch` through `pg-protocol` alone too (the floor of the store's
//     admission: its statement and bytes, no store, pool or pg Client);
//   - `pg`: `SELECT 1` (simple query), a named prepared statement (also answered later: PostgreSQL
//     busy ≈ 0.3 ms, or asleep 1 ms: the same client work, a longer wait), and the counter store's
//     `admit_batch` statement with the slot given back on the next one (what a metered request makes);
//     the same with three budget lines, then their settlements (a metered request whose usage differs from its reservation);
//   - a settlement's wait (settle() to its answer) with nothing in flight, and made while another
//     caller's admission is in flight (it goes with the next statement);
//   - the same with the caller pausing 20 ms after each request (its release then goes alone: a
//     second round trip, and a wake-up for its answer), and the 20 ms pause alone;
//   - the admission statement alone, migration 009's against 010's, for a rule with a rate and a
//     concurrency limit, then with three budget lines too (009: four statements; 010: one).
// With --spinner (the split of a lone caller's CPU into work and wake-up): this process is pinned
// to CPU 0 and PostgreSQL (and the echo server) to CPU 1, and each case runs twice per round: with
// CPU 0 idle while this process waits for an answer, and with a `nice -n 19` busy loop pinned to
// CPU 0, so the core never idles (no halt, no exit from idle on the answer: on a VM a halted vCPU
// is a VM exit) while this process still runs whenever it is runnable. Per case it reports the
// CPU µs, the voluntary context switches (sleeps) per round trip, and the µs spent runnable but
// waiting for the core (/proc/self/schedstat: what the spinner costs it).
// Run: npx tsx bench/micro/pg-floor.bench.ts [--n 3000] [--rounds 3] [--spinner] [--json] [--cases REGEX]
import '../../scripts/register-text-loaders.cjs';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { Socket } from 'node:net';
import pg from 'pg';
import { parse as parseMessages, serialize } from 'pg-protocol';
import { createLogger } from '../../gateway/log';
// @ts-expect-error: a JavaScript module of the bench, without types
import { childrenOf, cpuTicks } from '../lib/proc-stats.mjs';
import { counterKeyDigest, type CounterStore } from '../../gateway/state/counter-store';
import { PostgresCounterStore } from '../../gateway/state/postgres-counter-store';
import { PostgresState } from '../../gateway/state/postgres-state';
import { startPostgres } from '../../test/helpers/postgres';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const n = arg('--n', 3000);
const rounds = arg('--rounds', 3);
const json = process.argv.includes('--json');
const spinner = process.argv.includes('--spinner');
/** --cases REGEX: only the cases whose label matches. */
const only = process.argv.includes('--cases') ? new RegExp(process.argv[process.argv.indexOf('--cases') + 1]!) : undefined;
/**
 * --store-ab <path>[,<path>…]: other builds of gateway/state/postgres-counter-store.ts (e.g. the file
 * before a change, copied out with its imports pointed back at this checkout), each one's admission
 * measured next to this checkout's in every round, the order rotated each round (an interleaved
 * A/B on one PostgreSQL; a postgres-state.ts beside such a build is used with it); per round and build, this checkout's client CPU (and its user part) minus
 * the other's.
 */
const storeAb = process.argv.includes('--store-ab') ? process.argv[process.argv.indexOf('--store-ab') + 1]!.split(',') : [];
const tickUs = 1e6 / 100;

/** CPU µs of these processes so far (/proc, in clock ticks of 10 ms). */
const cpuUs = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuTicks(pid), 0) * tickUs;

interface Sample { cpuUs: number; userUs: number; serverUs: number; p50Us: number; sleeps: number; queuedUs: number }

/** ns this process's threads waited runnable for a core (the second field of /proc/<pid>/task/<tid>/schedstat, summed). */
function runDelayNs(): number {
  let ns = 0;
  for (const tid of execFileSync('ls', [`/proc/${process.pid}/task`], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) {
    try {
      ns += Number(readFileSync(`/proc/${process.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    } catch { /* the thread ended */ }
  }
  return ns;
}

/**
 * Runs `once` n times in sequence (after a warm-up): this process's and the server's CPU µs per
 * call, the p50 wall µs, voluntary context switches per call and µs waiting for a core per call.
 */
async function loop(once: () => Promise<unknown>, serverPids: () => number[] | Promise<number[]>, n: number): Promise<Sample> {
  for (let i = 0; i < Math.min(300, n >> 2); i++) await once();
  const pids = await serverPids();
  const lat: number[] = [];
  const s0 = cpuUs(pids);
  const q0 = runDelayNs();
  const v0 = process.resourceUsage().voluntaryContextSwitches;
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await once();
    lat.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const c = process.cpuUsage(c0);
  const sleeps = process.resourceUsage().voluntaryContextSwitches - v0;
  const queuedUs = (runDelayNs() - q0) / 1000;
  const s = cpuUs(pids) - s0;
  lat.sort((a, b) => a - b);
  return { cpuUs: (c.user + c.system) / n, userUs: c.user / n, serverUs: s / n, p50Us: lat[n >> 1]!, sleeps: sleeps / n, queuedUs: queuedUs / n };
}

/** Pins a process (every thread) to one CPU. */
const pin = (pid: number, cpu: number) => execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });

/** A busy loop at the lowest priority on one CPU: the CPU never idles, and yields to anything runnable there. */
function startSpinner(cpu: number): ChildProcess {
  return spawn('nice', ['-n', '19', 'taskset', '-c', String(cpu), 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
}
const stopSpinner = (child: ChildProcess) => new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.kill('SIGKILL');
});

/** A TCP echo server in another process (so the answer really crosses processes, as PostgreSQL's does). */
async function startEcho(): Promise<{ port: number; pid: number; stop(): void }> {
  const code = "const s = require('net').createServer((c) => c.on('data', (d) => c.write(d))); s.listen(0, '127.0.0.1', () => process.send(s.address().port));";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  return { port, pid: child.pid!, stop: () => void child.kill() };
}

/** One request-answer exchange on a raw socket: resolves when `done(bytesSoFar)` says the answer is complete. */
function exchanger(socket: Socket, done: (buf: Buffer) => boolean): (msg: Buffer) => Promise<void> {
  let pending: (() => void) | undefined;
  let got: Buffer[] = [];
  socket.setNoDelay(true);
  socket.on('data', (d) => {
    got.push(d);
    if (pending && done(Buffer.concat(got))) {
      got = [];
      const p = pending;
      pending = undefined;
      p();
    }
  });
  return (msg) => new Promise<void>((resolve) => {
    pending = resolve;
    socket.write(msg);
  });
}

/** PostgreSQL protocol messages (v3): a type byte, an int32 length, the body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstr = (s: string) => Buffer.from(s + '\0');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rawPostgres(port: number, name: string): Promise<{ once: () => Promise<void>; corked: () => Promise<void>; close(): void }> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => socket.connect(port, '127.0.0.1', resolve).once('error', reject));
  const startup = Buffer.concat([Buffer.from([0, 3, 0, 0]), cstr('user'), cstr('gatehouse'), cstr('database'), cstr('postgres'), cstr('application_name'), cstr(name), Buffer.from([0])]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(startup.length + 4);
  // ReadyForQuery ('Z', length 5, status) ends the start-up and every Sync.
  const ready = (b: Buffer) => b.length >= 6 && b[b.length - 6] === 0x5a && b.readInt32BE(b.length - 5) === 5;
  const exchange = exchanger(socket, ready);
  await exchange(Buffer.concat([len, startup]));
  // Parse a named statement once: SELECT 1.
  await exchange(Buffer.concat([message('P', Buffer.concat([cstr('one'), cstr('SELECT 1'), Buffer.from([0, 0])])), message('S', Buffer.alloc(0))]));
  // Bind (unnamed portal, statement "one", no parameters, text results), Execute (no row limit), Sync: one write.
  const bindExecSync = Buffer.concat([
    message('B', Buffer.concat([cstr(''), cstr('one'), Buffer.from([0, 0, 0, 0, 0, 0])])),
    message('E', Buffer.concat([cstr(''), Buffer.from([0, 0, 0, 0])])),
    message('S', Buffer.alloc(0)),
  ]);
  const parts = [bindExecSync.subarray(0, 20), bindExecSync.subarray(20, 34), bindExecSync.subarray(34)];
  const corked = () => {
    // As `pg` sends a prepared statement: one write per message between cork() and uncork() (one writev).
    socket.cork();
    const p = exchange(parts[0]!);
    for (const part of parts.slice(1)) socket.write(part);
    socket.uncork();
    return p;
  };
  return { once: () => exchange(bindExecSync), corked, close: () => void socket.destroy() };
}

/**
 * The prepared statement through `pg-protocol` alone (the serializer and parser `pg` uses) on a plain
 * socket: Bind/Execute/Sync serialized per call with its value, the answer parsed into messages,
 * the row's fields read; no Query objects, pool, type parsers or Describe.
 */
async function protocolOnly(port: number, name: string, schema: string): Promise<{ once: () => Promise<string>; admit: () => Promise<void>; close(): void }> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => socket.connect(port, '127.0.0.1', resolve).once('error', reject));
  socket.setNoDelay(true);
  let ready: (() => void) | undefined;
  let field = '';
  void parseMessages(socket, (msg) => {
    if (msg.name === 'dataRow') field = (msg as unknown as { fields: string[] }).fields[0]!;
    else if (msg.name === 'readyForQuery') ready?.();
    else if (msg.name === 'error') throw new Error(String((msg as unknown as { message: string }).message));
  });
  const exchange = (bytes: Buffer) => new Promise<void>((resolve) => {
    ready = resolve;
    socket.write(bytes);
  });
  await exchange(serialize.startup({ user: 'gatehouse', database: 'postgres', application_name: name, options: `-c search_path=${schema}` }));
  await exchange(Buffer.concat([serialize.parse({ name: 'one', text: 'SELECT $1::int AS one' }), serialize.sync()]));
  await exchange(Buffer.concat([serialize.parse({ name: 'admit', text: 'SELECT i, refused_by, refused_window, refused_until, window_start, used FROM admit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)' }), serialize.sync()]));
  // The store's admission for a rate + slot, the previous slot given back in it, its parameters written here (no store).
  const key = counterKeyDigest('rule\u0000iss\u0000caller-protocol');
  let slots = 0;
  let held: string | undefined;
  const admitValues = () => {
    const released = held;
    held = `p${slots++}`;
    return [released ? `{"${key}"}` : '{}', released ? `{"${released}"}` : '{}', '{}', '{}', '{}', `{${Date.now()}}`, `{"${key}"}`, `{"${held}"}`, '{1000000}', '{30000}', '{1}', `{"${key}"}`, '{1}', '{1000000000}', '{60000}'];
  };
  return {
    once: async () => {
      await exchange(Buffer.concat([serialize.bind({ statement: 'one', values: ['1'] }), serialize.execute(), serialize.sync()]));
      return field;
    },
    admit: () => exchange(Buffer.concat([serialize.bind({ statement: 'admit', values: admitValues() }), serialize.execute(), serialize.sync()])),
    close: () => void socket.destroy(),
  };
}

/**
 * postgres.js (porsager's `postgres`), when PG_FLOOR_POSTGRES_JS names an installed copy's entry
 * (it is not a dependency of Gatehouse: `npm install --prefix /tmp/x postgres@3.4`, then
 * PG_FLOOR_POSTGRES_JS=/tmp/x/node_modules/postgres/src/index.js).
 */
async function postgresJs(url: string, name: string): Promise<{ once: () => Promise<unknown>; close(): Promise<void> } | undefined> {
  const entry = process.env.PG_FLOOR_POSTGRES_JS;
  if (!entry) return undefined;
  const postgres = (await import(entry)).default as (url: string, options: object) => {
    (strings: TemplateStringsArray, ...values: unknown[]): Promise<unknown>;
    end(): Promise<void>;
  };
  const sql = postgres(url, { max: 1, prepare: true, connection: { application_name: name } });
  return { once: () => sql`SELECT ${1}::int AS one`, close: () => sql.end() };
}

async function main(): Promise<void> {
  const server = await startPostgres();
  const echo = await startEcho();
  const log = createLogger({ write: () => {} });
  try {
    const settings = await server.migratedSchema();
    const backends = async (app: string) => (await server.sql<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])).map((r) => Number(r.pid));

    const simple = new pg.Client({ connectionString: server.url, application_name: 'floor-simple' });
    await simple.connect();
    const raw = await rawPostgres(server.port, 'floor-raw');
    const protocol = await protocolOnly(server.port, 'floor-protocol', settings.schema);
    const porsager = await postgresJs(server.url, 'floor-postgres-js');
    if (porsager) await porsager.once();
    const state = await PostgresState.open({ ...settings, poolSize: 2 }, log);
    const store = new PostgresCounterStore(state, 30_000, log);
    const abs: { path: string; state: PostgresState; store: CounterStore }[] = [];
    for (const path of storeAb) {
      // The state beside that build when there is one (a change to how statements are sent is in both).
      const beside = join(dirname(path), 'postgres-state.ts');
      const State = existsSync(beside) ? ((await import(beside)) as { PostgresState: typeof PostgresState }).PostgresState : PostgresState;
      const abState = await State.open({ ...settings, poolSize: 2 }, log);
      abs.push({ path, state: abState, store: new ((await import(path)) as { PostgresCounterStore: typeof PostgresCounterStore }).PostgresCounterStore(abState, 30_000, log) });
    }
    const echoSocket = new Socket();
    await new Promise<void>((resolve) => echoSocket.connect(echo.port, '127.0.0.1', resolve));
    const ping = Buffer.alloc(24, 1);
    const echoOnce = exchanger(echoSocket, (b) => b.length >= ping.length);

    const pids = { simple: await backends('floor-simple'), raw: await backends('floor-raw'), protocol: await backends('floor-protocol'), porsager: await backends('floor-postgres-js') };
    // A pool's connection of the moment, asked before each case: one idle for 10 s is replaced by a new backend.
    // (Every gateway backend: the store's statement connection and its pool's; the idle ones add nothing.)
    const backendOf = (_st: PostgresState) => () => backends('gatehouse');
    // The admission statement alone, migration 009's (the rate window and each budget line one
    // statement each) against 010's (all of them in one), the previous slot given back in it.
    const direct = await PostgresState.open({ ...settings, poolSize: 1 }, log);
    const callerKey = counterKeyDigest('rule\u0000iss\u0000caller-direct');
    const budgetKeys = ['tokens.total', 'spend\u0000group\u0000a', 'spend\u0000group\u0000b'].map((b) => counterKeyDigest(`rule\u0000${b}`));
    let held: string | undefined;
    let directSlots = 0;
    const nextSlot = () => {
      const released = held ? [[callerKey], [held]] : [[], []];
      held = `d${directSlots++}`;
      return { released, slot: held };
    };
    const admit009 = async (budgets: string[]) => {
      const { released, slot } = nextSlot();
      await direct.query('SELECT i FROM admit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [...released, [callerKey], [Date.now()], [1], [1e9], [60_000], [slot], [1e6], [30_000]], 'floor-009');
      for (const key of budgets) await direct.query('SELECT i FROM admit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [[], [], [key], [Date.now()], [20], [1e15], [3_600_000], [null], [null], [null]], 'floor-009');
    };
    const admit010 = async (budgets: string[]) => {
      const { released, slot } = nextSlot();
      const keys = [callerKey, ...budgets];
      await direct.query('SELECT i FROM admit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', [...released, [Date.now()], [callerKey], [slot], [1e6], [30_000], [keys.length],
        keys, keys.map((_, i) => (i ? 20 : 1)), keys.map((_, i) => (i ? 1e15 : 1e9)), keys.map((_, i) => (i ? 3_600_000 : 60_000))], 'floor-010');
    };
    let seq = 0;
    const admitAndRelease = async (counters: CounterStore) => {
      const key = 'rule\u0000iss\u0000caller';
      const a = { now: Date.now(), windows: [{ key, amount: 1, limit: 1e9, ms: 60_000 }], slot: { key, id: `s${seq++}`, limit: 1e6, leaseMs: 30_000 } };
      await counters.admit(a);
      counters.release(key, a.slot.id);
    };
    /** µs from settle() to its answer, per case label. */
    const settleWaits: Record<string, number[]> = {};
    const settleTimed = async (behindAdmission: boolean) => {
      const key = 'rule\u0000iss\u0000caller-settling';
      const budget = 'rule\u0000tokens.total';
      const a = { now: Date.now(), windows: [{ key, amount: 1, limit: 1e9, ms: 60_000 }, { key: budget, amount: 20, limit: 1e15, ms: 3_600_000 }] };
      const r = await store.admit(a);
      if (!r.admitted) throw new Error('refused');
      let other: Promise<unknown> | undefined;
      if (behindAdmission) {
        other = store.admit({ now: Date.now(), windows: [{ key: 'rule\u0000iss\u0000another-caller', amount: 1, limit: 1e9, ms: 60_000 }] });
        // Its statement is sent at the end of this tick: settle once it is in flight.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const t = process.hrtime.bigint();
      await store.settle(r.charges[1]!.charge, -13);
      (settleWaits[behindAdmission ? 'behind an admission in flight' : 'nothing in flight'] ??= []).push(Number(process.hrtime.bigint() - t) / 1000);
      await other;
    };
    const cases: [string, () => Promise<unknown>, () => number[] | Promise<number[]>][] = [
      ['TCP echo to another process (no PostgreSQL)', () => echoOnce(ping), () => [echo.pid]],
      ['raw socket: Bind/Execute/Sync of a prepared SELECT 1', () => raw.once(), () => pids.raw],
      ['raw socket: the same bytes in three writes, corked (one writev)', () => raw.corked(), () => pids.raw],
      ['pg-protocol alone on a socket: the named prepared statement', () => protocol.once(), () => pids.protocol],
      // The floor of the store's admission: its statement and bytes, no store, pool or pg Client.
      ['pg-protocol alone on a socket: admit_batch (rate + slot), the slot given back with the next', () => protocol.admit(), () => pids.protocol],
      ...(porsager ? [['postgres.js: the named prepared statement', () => porsager.once(), () => pids.porsager] as (typeof cases)[number]] : []),
      ['pg: SELECT 1 (simple query)', () => simple.query('SELECT 1'), () => pids.simple],
      ['pg: named prepared statement', () => simple.query({ name: 'one', text: 'SELECT $1::int AS one', values: [1] }), () => pids.simple],
      // The same client work as the prepared statement, the answer later: what waiting longer costs the caller.
      // (pg_sleep waits whole milliseconds; counting a series keeps PostgreSQL busy ≈ as long as admit_batch does.)
      ['pg: named prepared statement, PostgreSQL counting 2,000 rows first (busy ≈ 0.3 ms)', () => simple.query({ name: 'count', text: 'SELECT count(*) FROM generate_series(1, $1::int)', values: [2_000] }), () => pids.simple],
      ['pg: named prepared statement, PostgreSQL sleeping 1 ms first (pg_sleep)', () => simple.query({ name: 'sleep', text: 'SELECT pg_sleep($1)', values: [0.001] }), () => pids.simple],
      ['store: admit_batch (rate + slot), slot given back with the next', () => admitAndRelease(store), backendOf(state)],
      ...abs.map(({ path, state: abState, store: abStore }) => [`store (${path}): the same`, () => admitAndRelease(abStore), backendOf(abState)] as (typeof cases)[number]),
      ['store: the same, the caller pausing 20 ms after each (its release goes alone)', async () => {
        const key = 'rule\u0000iss\u0000caller';
        const a = { now: Date.now(), windows: [{ key, amount: 1, limit: 1e9, ms: 60_000 }], slot: { key, id: `s${seq++}`, limit: 1e6, leaseMs: 30_000 } };
        await store.admit(a);
        store.release(key, a.slot.id);
        await pause(20);
      }, backendOf(state)],
      ['store: rate + slot + 3 budget lines, then their 3 settlements (two statements per request)', async () => {
        const key = 'rule\u0000iss\u0000caller-budgets';
        const a = {
          now: Date.now(), slot: { key, id: `s${seq++}`, limit: 1e6, leaseMs: 30_000 },
          windows: [{ key, amount: 1, limit: 1e9, ms: 60_000 }, ...['tokens.total', 'spend\u0000group\u0000a', 'spend\u0000group\u0000b'].map((b) => ({ key: `rule\u0000${b}`, amount: 20, limit: 1e15, ms: 3_600_000 }))],
        };
        const r = await store.admit(a);
        if (!r.admitted) throw new Error('refused');
        await Promise.all(r.charges.slice(1).map((c) => store.settle(c.charge, -13)));
        store.release(key, a.slot.id);
      }, backendOf(state)],
      // A settlement's wait (a request's response ends only once its budgets are settled): with
      // nothing in flight, and made while another caller's admission is in flight (it goes with the
      // next statement, once that one is answered). Each request: its admission, then the settlement timed.
      ['store: a settlement with nothing in flight (its wait is reported below)', () => settleTimed(false), backendOf(state)],
      ['store: a settlement made while another admission is in flight (its wait is reported below)', () => settleTimed(true), backendOf(state)],
      ['a 20 ms pause alone (a timer wake-up)', () => pause(20), () => []],
      ['admit_batch of migration 009: rate + slot', () => admit009([]), backendOf(direct)],
      ['admit_batch of migration 010: rate + slot', () => admit010([]), backendOf(direct)],
      ['009: rate + slot, then 3 budget lines, one statement each', () => admit009(budgetKeys), backendOf(direct)],
      ['010: rate + slot + 3 budget lines, one statement', () => admit010(budgetKeys), backendOf(direct)],
    ];
    if (only) cases.splice(0, cases.length, ...cases.filter(([label]) => only.test(label)));
    if (spinner) {
      if (cpus().length < 2) throw new Error('--spinner needs two CPUs (this process on one, PostgreSQL on the other)');
      pin(process.pid, 0);
      for (const pid of [server.serverPid(), ...childrenOf(server.serverPid()), echo.pid]) pin(pid, 1);
    }
    const results: Record<string, Sample[]> = {};
    // The A/B builds in turns: this checkout's store and the others', the order rotated by one each round.
    const abFrom = cases.findIndex(([label]) => label.startsWith('store: admit_batch (rate + slot), slot given back'));
    const inTurn = (r: number) => {
      if (!abs.length || abFrom < 0) return cases;
      const group = cases.slice(abFrom, abFrom + 1 + abs.length);
      const k = r % group.length;
      return [...cases.slice(0, abFrom), ...group.slice(k), ...group.slice(0, k), ...cases.slice(abFrom + 1 + abs.length)];
    };
    for (let r = 0; r < rounds; r++) {
      for (const [label, once, serverPids] of inTurn(r)) {
        const count = label.includes('20 ms') ? Math.min(n, 200) : n;
        if (!spinner) {
          (results[label] ??= []).push(await loop(once, serverPids, count));
          continue;
        }
        // Both conditions each round, in alternating order.
        for (const spin of r % 2 ? [true, false] : [false, true]) {
          const busy = spin ? startSpinner(0) : undefined;
          try {
            (results[`${label}, ${spin ? 'spinner on its core' : 'core idle'}`] ??= []).push(await loop(once, serverPids, count));
          } finally {
            if (busy) await stopSpinner(busy);
          }
        }
      }
    }
    const fmt = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `${Math.round(s[s.length >> 1]!)} [${Math.round(s[0]!)}–${Math.round(s.at(-1)!)}]`;
    };
    const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[xs.length >> 1]!);
    const fmt2 = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `${s[s.length >> 1]!.toFixed(2)} [${s[0]!.toFixed(2)}–${s.at(-1)!.toFixed(2)}]`;
    };
    const figures = Object.entries(results).map(([label, xs]) => ({
      case: label, clientCpuUs: median(xs.map((x) => x.cpuUs)), clientUserUs: median(xs.map((x) => x.userUs)), serverCpuUs: median(xs.map((x) => x.serverUs)), wallP50Us: median(xs.map((x) => x.p50Us)),
      sleepsPerRoundTrip: [...xs.map((x) => x.sleeps)].sort((a, b) => a - b)[xs.length >> 1], queuedUs: median(xs.map((x) => x.queuedUs)),
    }));
    if (json) console.log(JSON.stringify({ n, rounds, spinner, cases: figures }));
    else {
      console.log(`Sequential round trips, ${n} per case, median of ${rounds} rounds [range]; ${spinner ? 'this process on CPU 0, PostgreSQL on CPU 1; ' : ''}load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
      console.log('| case | client CPU µs per round trip | of which user (JavaScript) | server CPU µs | wall p50 µs | client sleeps per round trip | µs runnable, waiting for a core |\n|---|---:|---:|---:|---:|---:|---:|');
      const abLabels = Object.keys(results).filter((label) => label.startsWith('store (') || label.startsWith('store: admit_batch (rate + slot), slot given back'));
      // Paired by round (each round ran them one after another): this checkout's client CPU − each other build's.
      const mine = abLabels.find((l) => !l.startsWith('store ('));
      for (const other of mine ? abLabels.filter((l) => l.startsWith('store (')) : []) {
        for (const part of ['cpuUs', 'userUs'] as const) {
          const diffs = results[mine!]!.map((x, r) => x[part] - results[other]![r]![part]);
          console.log(`A/B ${other}: this checkout − it, client ${part === 'cpuUs' ? 'CPU' : 'user CPU'} µs per round: ${diffs.map((d) => Math.round(d)).join(', ')} (median ${fmt(diffs)}, lower in ${diffs.filter((d) => d < 0).length} of ${diffs.length})`);
        }
      }
      for (const [what, waits] of Object.entries(settleWaits)) {
        const sorted = [...waits].sort((x, y) => x - y);
        console.log(`A settlement's wait, ${what}: p50 ${Math.round(sorted[sorted.length >> 1]!)} µs, p90 ${Math.round(sorted[Math.floor(sorted.length * 0.9)]!)} µs (${sorted.length} settlements, warm-up included)`);
      }
      for (const [label, xs] of Object.entries(results)) {
        console.log(`| ${label} | ${fmt(xs.map((x) => x.cpuUs))} | ${fmt(xs.map((x) => x.userUs))} | ${fmt(xs.map((x) => x.serverUs))} | ${fmt(xs.map((x) => x.p50Us))} | ${fmt2(xs.map((x) => x.sleeps))} | ${fmt(xs.map((x) => x.queuedUs))} |`);
      }
    }
    await store.close();
    await state.close();
    for (const ab of abs) await ab.store.close().then(() => ab.state.close());
    await direct.close();
    await simple.end();
    raw.close();
    protocol.close();
    await porsager?.close();
    echoSocket.destroy();
  } finally {
    echo.stop();
    await server.stop();
  }
}
void main();
