// Where PostgreSQL's CPU goes during a load (bench/fleet.mjs): the CPU of each kind of server
// process (from /proc, named by pg_stat_activity), the statements' own execution time
// (pg_stat_statements, nested statements of functions too), and the WAL and commits written.
// The server must run with `serverSettings` below; `snapshot` before the load, `breakdown` after.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { childrenOf, cpuTicks } from './proc-stats.mjs';

/**
 * What startPostgres adds for this: pg_stat_statements preloaded, top-level statements only unless
 * `track` is 'all' (the statements inside the counters' functions too, each timed: more PostgreSQL CPU).
 */
export const serverSettings = (track = 'top') => ({
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': track,
  'pg_stat_statements.track_planning': 'on',
  'pg_stat_statements.max': '1000',
  track_io_timing: 'on',
});

/**
 * The reader's connection, to a database of its own: its reads are not transactions of the
 * gateways' database (whose commits the bench counts as round trips), and its statements are not
 * among theirs.
 */
export async function connect(url) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'bench_stats'");
  if (!rowCount) await admin.query('CREATE DATABASE bench_stats');
  const { rows: [db] } = await admin.query('SELECT current_database() AS name');
  await admin.end();
  const client = new pg.Client({ connectionString: url.replace(/\/[^/?]*(\?|$)/, '/bench_stats$1'), application_name: 'bench-stats' });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  client.gatewayDb = db.name;
  return client;
}

/** A server process's group: the gateway's pool, its LISTEN connection, the bench's reader, or the background process's own name. */
function groupOf(activity) {
  if (activity.backend_type !== 'client backend') return activity.backend_type;
  if (activity.application_name === 'gatehouse') return 'gateway pool connections';
  if (activity.application_name === 'gatehouse-listen') return 'LISTEN connections';
  if (activity.application_name === 'bench-stats') return 'bench stats reader';
  return `client ${activity.application_name || '(unnamed)'}`;
}

const numbers = (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));

async function counters(client) {
  const { rows: [wal] } = await client.query('SELECT wal_records, wal_fpi, wal_bytes, wal_write, wal_sync FROM pg_stat_wal');
  const { rows: [db] } = await client.query('SELECT xact_commit, xact_rollback, sessions, blks_read, blks_hit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = $1', [client.gatewayDb]);
  return { wal: numbers(wal), db: numbers(db) };
}

/**
 * Autovacuum and autoanalyze runs so far per table of the gateways' database, summed over schemas.
 * Read from a connection to that database (per-database statistics) outside the window whose
 * transactions are counted.
 */
export async function maintenanceRuns(gatewayDbClient) {
  const { rows } = await gatewayDbClient.query('SELECT relname, sum(autovacuum_count) AS vacuums, sum(autoanalyze_count) AS analyzes FROM pg_stat_user_tables GROUP BY relname');
  return Object.fromEntries(rows.map((r) => [r.relname, Number(r.vacuums) + Number(r.analyzes)]));
}

/** Tables autovacuumed or autoanalyzed between two maintenanceRuns, with the count. */
export function maintenanceBetween(before, after) {
  return Object.fromEntries(Object.entries(after).map(([t, n]) => [t, n - (before[t] ?? 0)]).filter(([, n]) => n > 0));
}

/** CPU ticks of the server's processes by group; exited children's in the postmaster's cutime + cstime. */
async function processTicks(client, postmaster) {
  const { rows } = await client.query('SELECT pid, backend_type, application_name FROM pg_stat_activity');
  const groups = new Map(rows.map((r) => [r.pid, groupOf(r)]));
  const pids = new Map(childrenOf(postmaster).map((pid) => [pid, { group: groups.get(pid) ?? 'other server processes', ticks: cpuTicks(pid) }]));
  const s = readFileSync(`/proc/${postmaster}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { pids, own: Number(f[11]) + Number(f[12]), exited: Number(f[13]) + Number(f[14]) };
}

/** Before the load: counters read and the statement statistics reset. */
export async function snapshot(client, postmaster) {
  await client.query('SELECT pg_stat_statements_reset()');
  return { ticks: await processTicks(client, postmaster), counters: await counters(client) };
}

/** Right after the load (CPU), before the statistics settle. */
export async function cpuAfter(client, postmaster) {
  return processTicks(client, postmaster);
}

/**
 * After the load's statistics settled: per request, CPU µs by process group, the statements'
 * execution µs (top level, and inside functions), WAL and commits, rows written.
 */
export async function breakdown(client, before, ticksAfter, requests, clk) {
  const us = (ticks) => ((ticks / clk) * 1e6) / requests;
  const cpu = {};
  const add = (group, ticks) => (cpu[group] = (cpu[group] ?? 0) + us(ticks));
  let exitedBefore = 0;
  for (const [pid, p] of before.ticks.pids) if (!ticksAfter.pids.has(pid)) exitedBefore += p.ticks;
  for (const [pid, p] of ticksAfter.pids) add(p.group, p.ticks - (before.ticks.pids.get(pid)?.ticks ?? 0));
  add('postmaster', ticksAfter.own - before.ticks.own);
  // A process that ended during the load (autovacuum workers, a backend that closed) left its whole life's CPU.
  add('processes that started and ended meanwhile (autovacuum workers)', ticksAfter.exited - before.ticks.exited - exitedBefore);

  const { rows } = await client.query(
    `SELECT toplevel, query, calls, total_exec_time, total_plan_time, wal_bytes
     FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) AND query NOT LIKE '%pg_stat_database%'`, [client.gatewayDb]);
  // One entry per statement, by its start: the audit index's insert has a text per batch size.
  const byStatement = new Map();
  for (const r of rows) {
    const name = r.query.replace(/\s+/g, ' ').slice(0, 60);
    const key = `${r.toplevel}:${name}`;
    const e = byStatement.get(key) ?? byStatement.set(key, { toplevel: r.toplevel, name, calls: 0, execUs: 0, planUs: 0, walBytes: 0 }).get(key);
    e.calls += Number(r.calls) / requests;
    e.execUs += (Number(r.total_exec_time) * 1e3) / requests;
    e.planUs += (Number(r.total_plan_time) * 1e3) / requests;
    e.walBytes += Number(r.wal_bytes) / requests;
  }
  const statements = [...byStatement.values()].sort((a, b) => b.execUs - a.execUs);
  const after = await counters(client);
  const per = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] - a[k]) / requests]));
  return { cpu, statements, wal: per(before.counters.wal, after.wal), db: per(before.counters.db, after.db) };
}

/** Medians [ranges] over rounds of `breakdown`s: CPU by group, the statements that took most, WAL and commits. */
export function summarizeBreakdowns(list, stat, top = 6) {
  if (!list.length || list.some((b) => !b)) return undefined;
  const over = (pick) => stat(list.map((b) => pick(b) ?? 0));
  const groups = [...new Set(list.flatMap((b) => Object.keys(b.cpu)))];
  const cpu = groups.map((group) => ({ group, us: over((b) => b.cpu[group]) })).filter((g) => g.us.max > 0).sort((a, b) => b.us.p50 - a.us.p50);
  const names = [...new Set(list.flatMap((b) => b.statements.map((x) => `${x.toplevel}:${x.name}`)))];
  const find = (b, key) => b.statements.find((x) => `${x.toplevel}:${x.name}` === key);
  const statements = names.map((key) => ({
    name: key.slice(key.indexOf(':') + 1), toplevel: key.startsWith('true'),
    calls: over((b) => find(b, key)?.calls), execUs: over((b) => find(b, key)?.execUs), planUs: over((b) => find(b, key)?.planUs), walBytes: over((b) => find(b, key)?.walBytes),
  })).sort((a, b) => b.execUs.p50 + b.planUs.p50 - a.execUs.p50 - a.planUs.p50).slice(0, top);
  return {
    cpu, statements,
    walRecords: over((b) => b.wal.wal_records), walBytes: over((b) => b.wal.wal_bytes), walWrites: over((b) => b.wal.wal_write), walSyncs: over((b) => b.wal.wal_sync),
    maintenance: [...new Set(list.flatMap((b) => Object.keys(b.maintenance ?? {})))].map((t) => `${t} ${list.map((b) => b.maintenance?.[t] ?? 0).join('/')}`).join(', ') || 'none',
    commits: over((b) => b.db.xact_commit), sessions: over((b) => b.db.sessions), tuplesWritten: over((b) => b.db.tup_inserted + b.db.tup_updated + b.db.tup_deleted),
  };
}
