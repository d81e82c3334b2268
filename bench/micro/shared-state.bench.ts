// Micro-benchmark: what shared counters cost per admission (issue 20's "Measure"): the in-memory
// store against PostgreSQL (one `admit` statement) and Redis (one Lua script), each started here
// in a temporary folder as the tests do. Per store: sequential admissions (the latency one adds
// to a request's first byte: one round trip), the gateway's CPU µs per admission (this process),
// the store server's CPU µs per admission (its backends, from /proc), and admissions/s with 16 in
// flight. A request whose rule has no limit makes no admission at all (nothing to measure).
// Run: npx tsx bench/micro/shared-state.bench.ts [--json] [--n 2000]
// The SQL migrations are text modules (as esbuild bundles them): register the loader first.
import '../../scripts/register-text-loaders.cjs';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../gateway/log';
import type { Admission, CounterStore } from '../../gateway/state/counter-store';
import { MemoryCounterStore } from '../../gateway/state/memory-counter-store';
import { migrate } from '../../gateway/state/migrate';
import { PostgresCounterStore } from '../../gateway/state/postgres-counter-store';
import { createPool, PostgresState } from '../../gateway/state/postgres-state';
import { RedisCounterStore } from '../../gateway/state/redis-counter-store';
import { startPostgres } from '../../test/helpers/postgres';
import { startRedis } from '../../test/helpers/redis';

const json = process.argv.includes('--json');
const nArg = process.argv.indexOf('--n');
const n = nArg > 0 ? Number(process.argv[nArg + 1]) : 2000;
const log = createLogger({ write: () => {} });
const tickUs = 1e6 / 100; // /proc CPU times are in clock ticks of 10 ms (USER_HZ 100)

function cpuUs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * tickUs;
}

/** A rule with both limits, as a policy's `limits: { rate, concurrent }` asks: every admission writes. */
let seq = 0;
const admission = (): Admission & { slot: NonNullable<Admission['slot']> } => {
  const key = `rule\u0000https://idp.bench\u0000caller-${seq % 50}`;
  return { now: Date.now(), windows: [{ key, amount: 1, limit: 1e9, ms: 60_000 }], slot: { key, id: `s${seq++}`, limit: 1e6, leaseMs: 30_000 } };
};

async function measure(name: string, store: CounterStore, serverPids: () => Promise<number[]>) {
  for (let i = 0; i < 200; i++) await store.admit(admission()); // warm-up
  const pids = await serverPids();
  const lat: number[] = [];
  const cpu0 = process.cpuUsage();
  const srv0 = cpuUs(pids);
  for (let i = 0; i < n; i++) {
    const a = admission();
    const t = process.hrtime.bigint();
    await store.admit(a);
    lat.push(Number(process.hrtime.bigint() - t) / 1000);
    store.release(a.slot.key, a.slot.id);
  }
  const cpu = process.cpuUsage(cpu0);
  const srv = cpuUs(pids) - srv0;
  lat.sort((x, y) => x - y);
  // Concurrent: 16 admissions in flight.
  const t0 = Date.now();
  let done = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (done < n) {
      done++;
      const a = admission();
      await store.admit(a);
      store.release(a.slot.key, a.slot.id);
    }
  }));
  const perSecond = Math.round(n / ((Date.now() - t0) / 1000));
  return {
    store: name,
    p50Us: Math.round(lat[Math.floor(n / 2)]!),
    p99Us: Math.round(lat[Math.floor(n * 0.99)]!),
    gatewayCpuUs: Math.round((cpu.user + cpu.system) / n),
    storeCpuUs: Math.round(srv / n),
    admissionsPerSecond16: perSecond,
  };
}

async function main() {
  const results = [];
  results.push(await measure('embedded (memory)', new MemoryCounterStore(), async () => []));

  const pg = await startPostgres();
  try {
    const settings = { url: pg.url, schema: 'bench', poolSize: 16, connectTimeoutMs: 2000 };
    const pool = createPool(settings);
    await migrate(pool, settings.schema);
    await pool.end();
    const state = await PostgresState.open(settings, log);
    const store = new PostgresCounterStore(state, 30_000, log);
    const backends = async () => (await pg.sql<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'gatehouse'")).map((r) => r.pid);
    results.push(await measure('postgres', store, backends));
    await store.close();
    await state.close();
  } finally {
    await pg.stop();
  }

  const redis = await startRedis();
  try {
    const store = await RedisCounterStore.open(redis.url, { keyPrefix: 'bench:', leaseMs: 30_000, log });
    results.push(await measure('redis', store, async () => [redis.pid]));
    await store.close();
  } finally {
    await redis.stop();
  }

  if (json) {
    console.log(JSON.stringify({ n, results }));
    return;
  }
  console.log(`shared counters, ${n} admissions (rate window + concurrency slot each)`);
  console.log('store              p50 µs  p99 µs  gateway CPU µs/op  store CPU µs/op  ops/s (16 in flight)');
  for (const r of results) console.log(`${r.store.padEnd(18)} ${String(r.p50Us).padStart(6)}  ${String(r.p99Us).padStart(6)}  ${String(r.gatewayCpuUs).padStart(17)}  ${String(r.storeCpuUs).padStart(15)}  ${String(r.admissionsPerSecond16).padStart(8)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
