// Shared state in a fleet (issue 20, "Measure"): the full pipeline (configs/full.yaml: token,
// bench policy, masking, durable audit) with `state.store: embedded`, with `store: postgres`
// (counters in PostgreSQL too), and with `store: postgres` + `counters: redis`. PostgreSQL 15 and
// Redis 7 are started as the tests start them (test/helpers/postgres.ts, redis.ts: a temporary
// folder, a free loopback port), so this runs under tsx: `npx tsx bench/fleet.mjs [--json]`.
//
// The bench caller's rule (agents-capped) has a rate limit and a concurrency limit, so every
// "metered" request admits against the counters (and gives its slot back); the "unmetered" body asks
// for a model whose rule (agents-unmetered) has neither, so it needs no shared state at all.
//
// Each variant runs two gateway processes (A and B, one schema or Redis prefix, B with A's
// dev-issuer key so one token works on both). Per round, variants interleaved:
//   - first byte: a sequential probe (lib/latency-probe.mjs) on A, metered and unmetered bodies;
//     "added" is the p50 minus embedded's in the same round;
//   - one instance: two wrk processes (CONN/2 connections each) on A for FLEET_DUR s: req/s, the
//     gateway's CPU µs per request (utime + stime from /proc), PostgreSQL's (the postmaster and
//     every backend: lib/proc-stats.mjs serverTreeTicks) and Redis's, and PostgreSQL transactions
//     (pg_stat_database.xact_commit) and Redis calls (INFO commandstats) per request: the round
//     trips; the same for the unmetered body;
//   - two instances: one wrk process on A and one on B (the load generator alternating between the
//     instances, no balancer in between): req/s and CPU per request, against one instance.
// Nothing is pinned: two instances need two cores, and PostgreSQL and Redis share them too.
//
// Env: FLEET_ROUNDS (3), FLEET_DUR (3 s), CONN (50), FLEET_N (150 sequential requests per probe),
//      FLEET_METERED_MODEL (bench-budgeted: the metered body's rule also keeps token and spend budgets),
//      FLEET_VARIANTS (embedded postgres redis; `name@path/to/gateway.js` runs that variant on
//      another bundle, for an interleaved A/B of a change), PROFILE=1 (--cpu-prof of every A
//      instance; prints its CPU by stage per request, lib/profile-summary.mjs, with the shared
//      state's clients and stores as one stage), FLEET_PG_STATEMENTS (top; all: pg_stat_statements
//      also inside the counters' functions, which adds to PostgreSQL's CPU), BENCH_OUT, BENCH_PIDFILE, GATEWAY_JS.
// Where PostgreSQL's CPU goes (lib/pg-breakdown.mjs), for each one-instance load of a variant on
// PostgreSQL: its processes' CPU by kind (the gateways' pool connections, their LISTEN connections,
// walwriter, autovacuum, …), the statements (pg_stat_statements: execution and planning µs, WAL),
// WAL records and bytes, commits and new connections, per request.
import '../scripts/register-text-loaders.cjs';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import pgClient from 'pg';
import { startPostgres } from '../test/helpers/postgres.ts';
import { startRedis } from '../test/helpers/redis.ts';
import { runWrk } from './lib/load.mjs';
import { measureOthers } from './lib/noise.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { round, stat } from './lib/stats.mjs';
import { cpuTicks, serverTreeTicks } from './lib/proc-stats.mjs';
import * as pgBreakdown from './lib/pg-breakdown.mjs';
import { stageBreakdown } from './lib/profile-summary.mjs';
import { checkFleet, renderFleet } from './lib/report.mjs';
import { startGatehouseVariant, startUpstream } from './lib/targets.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const env = process.env;
const asJson = process.argv.includes('--json');
const rounds = Number(env.FLEET_ROUNDS ?? 3);
const dur = Number(env.FLEET_DUR ?? 3);
const conn = Number(env.CONN ?? 50);
const probeN = Number(env.FLEET_N ?? 150);
const wanted = (env.FLEET_VARIANTS ?? 'embedded postgres redis').split(/\s+/).filter(Boolean);
// The metered body's model: gpt-4o-mini (rule agents-capped: rate + concurrency), or bench-budgeted
// (agents-budgeted: the same and three token/spend budget lines, priced here).
const meteredModel = env.FLEET_METERED_MODEL;
const out = env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-fleet`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const clk = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const log = (m) => process.stderr.write(`fleet: ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The `state:` a variant appends to configs/full.yaml (the hash key is set on all, as a fleet needs). */
const stateYaml = {
  embedded: () => '',
  postgres: (n) => `state:\n  store: postgres\n  postgres: { url: { env: BENCH_PG_URL }, schema: bench_pg_${n} }\n`,
  redis: (n) => `state:\n  store: postgres\n  postgres: { url: { env: BENCH_PG_URL }, schema: bench_redis_${n} }\n  counters: redis\n  redis: { url: { env: BENCH_REDIS_URL }, keyPrefix: 'bench${n}:' }\n`,
};
const labels = { embedded: 'store: embedded', postgres: 'store: postgres (counters in PostgreSQL)', redis: 'store: postgres, counters: redis' };

let pg;
let redis;
let breakdownClient;
let statsClient;
async function cleanup() {
  await procs.stopAll(15_000);
  await pg?.stop().catch(() => undefined);
  await redis?.stop().catch(() => undefined);
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
process.on('SIGTERM', () => cleanup().then(() => process.exit(143)));

async function main() {
  pg = await startPostgres({ serverSettings: pgBreakdown.serverSettings(env.FLEET_PG_STATEMENTS) });
  redis = await startRedis();
  // run.sh kills what the pid file lists if this process dies without cleaning up.
  if (env.BENCH_PIDFILE) writeFileSync(env.BENCH_PIDFILE, `${pg.serverPid()}\n${redis.pid}\n`, { flag: 'a' });
  const redisClient = new Redis(redis.url, { lazyConnect: true });
  await redisClient.connect();
  statsClient = new pgClient.Client({ connectionString: pg.url, application_name: 'bench-stats' });
  await statsClient.connect();
  breakdownClient = await pgBreakdown.connect(pg.url);
  Object.assign(process.env, { BENCH_PG_URL: pg.url, BENCH_REDIS_URL: redis.url, BENCH_HASH_KEY: 'bench-fleet-hash-key-0123456789abcdef' });

  const body = readFileSync(join(bench, 'bodies/chat-160B.json'), 'utf8');
  const metered = meteredModel ? join(out, `chat-160B-${meteredModel}.json`) : join(bench, 'bodies/chat-160B.json');
  if (meteredModel) writeFileSync(metered, body.replace('"gpt-4o-mini"', JSON.stringify(meteredModel)));
  const unmetered = join(out, 'chat-160B-unmetered.json');
  writeFileSync(unmetered, body.replace('"gpt-4o-mini"', '"bench-unmetered"'));
  const profiling = env.PROFILE === '1';
  const nodeFlags = (name) => (profiling && name.endsWith('-a') ? ['--cpu-prof', `--cpu-prof-dir=${join(out, 'profiles', name)}`] : []);
  const ctx = { bench, root, out, procs, streamChunks: 20, customHost: '', nodeFlags, ...(env.GATEWAY_JS ? { gatewayJs: env.GATEWAY_JS } : {}) };
  const upstream = await startUpstream(ctx);

  const variants = [];
  for (const [n, spec] of wanted.entries()) {
    const [kind, bundle] = spec.split('@');
    if (!stateYaml[kind]) throw new Error(`unknown variant ${kind} (embedded postgres redis)`);
    const name = bundle ? `${kind}-${n}` : kind;
    const c = bundle ? { ...ctx, gatewayJs: resolve(bundle) } : ctx;
    const pricing = meteredModel ? `pricing:\n  - { model: ${meteredModel}, input: 0.15, output: 0.6 }\n` : '';
    const append = `masking:\n  hashKey: { env: BENCH_HASH_KEY }\n${pricing}${stateYaml[kind](n)}`;
    const dirA = join(out, `${name}-a-data`);
    const dirB = join(out, `${name}-b-data`);
    const a = await startGatehouseVariant(c, `${name}-a`, upstream.base, dirA, { append, args: kind === 'embedded' ? [] : ['--migrate'] });
    mkdirSync(dirB, { recursive: true });
    copyFileSync(join(dirA, 'dev-issuer.jwk.json'), join(dirB, 'dev-issuer.jwk.json'));
    const b = await startGatehouseVariant(c, `${name}-b`, upstream.base, dirB, { append, mint: false });
    variants.push({ name, kind, label: bundle ? `${labels[kind]} [${bundle}]` : labels[kind], a: { ...a, served: 0 }, b: { ...b, served: 0 }, bundle: c.gatewayJs, token: a.token, samples: [] });
  }
  for (const v of variants) {
    for (const [g, body] of [[v.a, metered], [v.b, metered], [v.a, unmetered]]) await smoke(g.url, body, v.token);
  }
  log(`${variants.map((v) => v.name).join(', ')}: two instances each; ${rounds} round(s) of ${dur} s loads; results in ${out}`);

  const roundTrips = async () => ({ pg: await pgTransactions(statsClient), redis: await redisCommands(redisClient) });
  for (const v of variants) await wrkOn(v, [v.a, v.b], metered, 1); // warm-up
  for (let r = 1; r <= rounds; r++) {
    for (const v of variants) {
      const s = { load: loadavg()[0] };
      s.ttfb = await probe(v.a, metered, v.token);
      s.ttfbUnmetered = await probe(v.a, unmetered, v.token);
      s.one = await measureLoad(v, [v.a, v.a], metered, roundTrips);
      s.oneUnmetered = await measureLoad(v, [v.a, v.a], unmetered, roundTrips);
      s.two = await measureLoad(v, [v.a, v.b], metered, roundTrips);
      v.samples.push(s);
      log(`round ${r} ${v.name}: ${s.one.gatewayUs.toFixed(0)} µs gateway + ${s.one.pgUs.toFixed(0)} µs PostgreSQL + ${s.one.redisUs.toFixed(0)} µs Redis CPU/req, ` +
        `${s.one.pgXacts.toFixed(2)} PG transactions and ${s.one.redisCommands.toFixed(2)} Redis calls/req, first byte ${s.ttfb} ms, ` +
        `${s.one.rps.toFixed(0)} → ${s.two.rps.toFixed(0)} req/s with two instances; unmetered ${s.oneUnmetered.gatewayUs.toFixed(0)} µs; load ${s.load.toFixed(1)}`);
    }
  }
  await redisClient.quit();
  await statsClient.end();
  await breakdownClient.end();
  const result = summarize(variants);
  writeFileSync(join(out, 'samples.json'), JSON.stringify(variants.map((v) => ({ variant: v.name, samples: v.samples })), null, 1) + '\n'); // every round's figures
  if (profiling) {
    await procs.stopAll(15_000); // the profiles are written as the gateways exit
    result.profiles = variants.map((v) => ({ variant: v.name, stages: profileStages(v) }));
  }
  writeFileSync(join(out, 'fleet.json'), JSON.stringify(result, null, 2) + '\n');
  if (asJson) console.log(JSON.stringify(result));
  else console.log(renderFleet(result) + '\n' + checkFleet(result).join('\n') + (result.profiles ?? []).map((p) => `\n\n${p.variant}, instance A:\n${p.stages}`).join(''));
}

/** CPU by stage of a variant's instance A over the whole run, per request it served. */
function profileStages(v) {
  const dir = join(out, 'profiles', `${v.name}-a`);
  const [file] = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (!file) return 'no profile written';
  return stageBreakdown(JSON.parse(readFileSync(join(dir, file), 'utf8')), { root, bundle: v.bundle ?? join(root, 'dist/gateway.js'), requests: v.a.served });
}

async function smoke(url, bodyFile, token) {
  const { request } = await import('./lib/http-util.mjs');
  const r = await request(url, { body: readFileSync(bodyFile), headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(`${url} answered ${r.status}: ${r.text.slice(0, 300)}`);
}

/** p50 time to first byte of `probeN` sequential requests (one connection), in ms. */
async function probe(g, bodyFile, token) {
  const warm = Math.max(10, probeN >> 2);
  g.served += probeN + warm;
  const p = await procs.run('node', [join(bench, 'lib/latency-probe.mjs'), g.url, bodyFile, String(probeN), String(warm)], { env: { AUTH: token } });
  if (p.code !== 0) throw new Error(`probe failed: ${p.stderr}`);
  return JSON.parse(p.stdout).ttfb_p50_ms;
}

/** One wrk process per gateway in `gateways` (CONN/2 connections each), at once; their figures summed. */
async function wrkOn(v, gateways, bodyFile, seconds) {
  const each = await Promise.all(gateways.map((g) => runWrk({ bench, procs, conn: Math.max(1, conn >> 1), customHost: '' }, { url: g.url, bodyFile, seconds, auth: v.token })));
  each.forEach((r, i) => (gateways[i].served += r.requests));
  const requests = each.reduce((a, r) => a + r.requests, 0);
  return { requests, rps: each.reduce((a, r) => a + r.rps, 0), errors: each.reduce((a, r) => a + r.errors, 0), p50: Math.max(...each.map((r) => r.p50_ms)) };
}

/** A load on `gateways` with the CPU of the gateways, PostgreSQL and Redis per request, and their round trips. */
async function measureLoad(v, gateways, bodyFile, roundTrips) {
  const pids = [...new Set(gateways.map((g) => g.pid))];
  const usesPg = v.kind !== 'embedded';
  const maintenance0 = usesPg ? await pgBreakdown.maintenanceRuns(statsClient) : undefined;
  const rt0 = await settledRoundTrips(roundTrips);
  const pgBefore = usesPg ? await pgBreakdown.snapshot(breakdownClient, pg.serverPid()) : undefined;
  const g0 = pids.reduce((a, p) => a + cpuTicks(p), 0);
  const p0 = serverTreeTicks(pg.serverPid());
  const r0 = cpuTicks(redis.pid);
  const { result: w, otherS } = await measureOthers(() => wrkOn(v, gateways, bodyFile, dur), clk);
  const perReq = (ticks) => ((ticks / clk) * 1e6) / w.requests;
  const gatewayUs = perReq(pids.reduce((a, p) => a + cpuTicks(p), 0) - g0);
  const pgUs = perReq(serverTreeTicks(pg.serverPid()) - p0);
  const redisUs = perReq(cpuTicks(redis.pid) - r0);
  const pgTicksAfter = usesPg ? await pgBreakdown.cpuAfter(breakdownClient, pg.serverPid()) : undefined;
  const rt1 = await settledRoundTrips(roundTrips);
  const pgWhere = usesPg ? await pgBreakdown.breakdown(breakdownClient, pgBefore, pgTicksAfter, w.requests, clk) : undefined;
  if (pgWhere) pgWhere.maintenance = pgBreakdown.maintenanceBetween(maintenance0, await pgBreakdown.maintenanceRuns(statsClient));
  return { rps: w.rps, requests: w.requests, errors: w.errors, gatewayUs, pgUs, redisUs, pgXacts: (rt1.pg - rt0.pg) / w.requests, redisCommands: (rt1.redis - rt0.redis) / w.requests, otherS, pgWhere };
}

/** PostgreSQL reports a backend's counts within a second of it going idle: read until they stop moving. */
async function settledRoundTrips(roundTrips) {
  let last = await roundTrips();
  for (let i = 0; i < 12; i++) {
    await sleep(300);
    const now = await roundTrips();
    if (now.pg === last.pg && now.redis === last.redis && i >= 3) return now;
    last = now;
  }
  return last;
}

// Each read of the transaction count is a transaction itself: counted here and taken off, so the
// figure is the gateways' own once PostgreSQL has reported everything.
let ownPgReads = 0;

/** Transactions in the database (each autocommit statement is one: a round trip). */
async function pgTransactions(client) {
  const { rows: [row] } = await client.query("SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = 'postgres'");
  return Number(row.n) - ownPgReads++;
}

/**
 * Requests the gateways sent Redis: calls of the scripts (EVALSHA, EVAL) and of HDEL (a release).
 * Not total_commands_processed, which also counts each command a script runs; the admit script's
 * own HDEL runs only for an expired lease (none here).
 */
async function redisCommands(client) {
  const stats = await client.info('commandstats');
  const calls = [...stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].filter(([, cmd]) => ['evalsha', 'eval', 'hdel'].includes(cmd));
  return calls.reduce((a, [, , n]) => a + Number(n), 0);
}


/** Medians over rounds [range]; "added" figures against embedded in the same round. */
function summarize(variants) {
  const base = variants.find((v) => v.kind === 'embedded');
  const rows = variants.map((v) => {
    const s = v.samples;
    const added = (pick) => (base && v !== base ? stat(s.map((x, i) => pick(x) - pick(base.samples[i]))) : undefined);
    return {
      variant: v.name, kind: v.kind, label: v.label,
      gatewayUs: stat(s.map((x) => x.one.gatewayUs)), addedGatewayUs: added((x) => x.one.gatewayUs),
      pgUs: stat(s.map((x) => x.one.pgUs)), redisUs: stat(s.map((x) => x.one.redisUs)),
      pgXacts: stat(s.map((x) => x.one.pgXacts)), redisCommands: stat(s.map((x) => x.one.redisCommands)),
      ttfbMs: stat(s.map((x) => x.ttfb)), addedTtfbMs: added((x) => x.ttfb),
      rpsOne: stat(s.map((x) => x.one.rps)), rpsTwo: stat(s.map((x) => x.two.rps)), twoOverOne: stat(s.map((x) => x.two.rps / x.one.rps)),
      gatewayUsTwo: stat(s.map((x) => x.two.gatewayUs)), pgUsTwo: stat(s.map((x) => x.two.pgUs)),
      unmetered: {
        gatewayUs: stat(s.map((x) => x.oneUnmetered.gatewayUs)), addedGatewayUs: added((x) => x.oneUnmetered.gatewayUs),
        pgUs: stat(s.map((x) => x.oneUnmetered.pgUs)), pgXacts: stat(s.map((x) => x.oneUnmetered.pgXacts)),
        ttfbMs: stat(s.map((x) => x.ttfbUnmetered)), addedTtfbMs: added((x) => x.ttfbUnmetered),
      },
      pgWhere: pgBreakdown.summarizeBreakdowns(s.map((x) => x.one.pgWhere), stat),
      pgWhereUnmetered: pgBreakdown.summarizeBreakdowns(s.map((x) => x.oneUnmetered.pgWhere), stat),
      errors: s.reduce((a, x) => a + x.one.errors + x.two.errors + x.oneUnmetered.errors, 0),
      otherCpuS: s.map((x) => round(x.one.otherS + x.two.otherS + x.oneUnmetered.otherS)),
      loadAvg: s.map((x) => round(x.load)),
    };
  });
  return { rounds, dur, conn, probeN, pinning: 'not pinned', pgStatements: env.FLEET_PG_STATEMENTS ?? 'top', rows };
}

main().then(cleanup, async (err) => {
  log(`failed: ${err.stack ?? err}`);
  await cleanup();
  process.exit(1);
});
