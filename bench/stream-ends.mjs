// What a stream's end costs the gateway (issue 23, session 7): N streams through the full pipeline
// with stream masking (configs/streams.yaml, as bench/many-streams.mjs), three events each, one per
// PERIOD ms per stream, spread evenly over the period (lib/paced-upstream.mjs). Round 1 is every
// stream's middle event; round 2 every stream's last event and its end ([DONE], the outcome record,
// the client's last writes and close). The gateway's CPU time (utime + stime) in each round's
// window, divided by N, gives the CPU per event and per event + end; their difference is the CPU
// of an end. (Round 0, every stream's first event, also makes the per-stream state made on first use.)
//
// Usage: node bench/stream-ends.mjs
// Env: STREAM_COUNT (2000), STREAM_PERIOD_MS (4000), END_REPEATS (3: runs of each bundle,
//      interleaved), GATEWAY_JS (one bundle or several, space-separated), END_WARMUP (2000 requests),
//      END_WARM_STREAMS (1000 whole streams of 3 events before the measured run; 0: none; several,
//      space-separated: variants, interleaved like the bundles),
//      PROFILE=1 (--cpu-prof of each gateway: self time by function in round 1 and round 2, µs per
//      stream, and their difference; V8's sampler charges a descheduled interval to where the thread
//      resumed, which on a loaded box inflates syscalls that wake another thread), PERF=1 (`perf record
//      -g -e cpu-clock:u` of each round instead, with --perf-basic-prof: user time by function,
//      inclusive, counted only while on a CPU), GATEWAY_NODE_FLAGS (e.g. --trace-opt: the rounds'
//      offsets in the gateway's log are in the JSON), TOP (25), BENCH_OUT, BENCH_PIDFILE.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { openPacedStreams, startGatehouseServe, warmUp, warmUpStreams } from './lib/gatehouse-serve.mjs';
import { request } from './lib/http-util.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { cpuTicksSplit } from './lib/proc-stats.mjs';
import { samplesByFunction } from './lib/profile-summary.mjs';
import { rangeText as range } from './lib/stats.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const env = process.env;
const bundles = (env.GATEWAY_JS ?? join(root, 'dist/gateway.js')).split(/\s+/).filter(Boolean);
const n = Number(env.STREAM_COUNT ?? 2000);
const period = Number(env.STREAM_PERIOD_MS ?? 4000);
const repeats = Number(env.END_REPEATS ?? 3);
const warm = Number(env.END_WARMUP ?? 2000);
const warmCounts = (env.END_WARM_STREAMS ?? '1000').split(/\s+/).filter(Boolean).map(Number);
const profile = env.PROFILE === '1';
const perf = env.PERF === '1';
const top = Number(env.TOP ?? 25);
const events = 3;
const out = env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-stream-ends`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const log = (m) => process.stderr.write(`stream-ends: ${m}\n`);
const nowMs = () => performance.timeOrigin + performance.now(); // the paced upstream's clock (epoch ms)
const monoUs = () => Number(process.hrtime.bigint() / 1000n); // a CPU profile's clock
const sleepUntil = (t) => new Promise((r) => setTimeout(r, Math.max(0, t - nowMs())));

async function run(js, warmStreams, rep) {
  const name = warmCounts.length > 1 ? `${basename(js, '.js')}-w${warmStreams}` : basename(js, '.js');
  const tag = `${name}-${rep}`;
  const up = await procs.start(`${tag}-upstream`, 'node', [join(bench, 'lib/paced-upstream.mjs')], { ready: /listening (http\S+)/ });
  const profDir = join(out, `${tag}-profile`);
  const gw = await startGatehouseServe({ procs, bench, out, gatewayJs: js }, tag, 'streams.yaml', up.match[1], [], {
    nodeFlags: [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : perf ? ['--perf-basic-prof'] : []), ...(env.GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)],
  });
  await warmUp(gw, warm);
  if (warmStreams > 0) await warmUpStreams({ procs, bench }, gw, up.match[1], tag, { count: warmStreams });
  const { go, result } = await openPacedStreams({ procs, bench }, gw, up, tag, { n, events, period });
  const adminToken = readFileSync(join(gw.dataDir, 'admin.token'), 'utf8').trim();
  // The group commit's batching: records and fdatasyncs so far (read after the CPU time: the scrape costs a little).
  const writer = async () => {
    const r = await request(`${gw.adminUrl}/metrics`, { method: 'GET', headers: { authorization: `Bearer ${adminToken}` } });
    const count = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(r.text)?.[1] ?? NaN);
    return { records: count('gatehouse_audit_records_total'), syncs: count('gatehouse_audit_syncs_total') };
  };
  const t0 = await go;
  // Round i's window: from its first event's due time to the next round's; the last round's until every stream has ended.
  const marks = [];
  const recorders = [];
  for (let i = 1; i < events; i++) {
    await sleepUntil(t0 + i * period);
    recorders.at(-1)?.child.kill('SIGINT');
    marks.push({ ...cpuTicksSplit(gw.pid), mono: monoUs(), logBytes: statSync(join(out, 'logs', `${tag}.log`)).size });
    if (perf) recorders.push(await procs.start(`${tag}-perf-${i}`, 'perf', ['record', '-q', '-g', '-e', 'cpu-clock:u', '-F', '1999', '-p', String(gw.pid), '-o', join(out, `${tag}-round${i}.perf`)], {}));
    Object.assign(marks.at(-1), await writer());
  }
  const line = await result;
  recorders.at(-1)?.child.kill('SIGINT');
  marks.push({ ...cpuTicksSplit(gw.pid), mono: monoUs(), logBytes: statSync(join(out, 'logs', `${tag}.log`)).size });
  Object.assign(marks.at(-1), await writer());
  await Promise.all(recorders.map((r) => (r.child.exitCode === null && r.child.signalCode === null ? new Promise((ok) => r.child.once('exit', ok)) : undefined)));
  // Clock ticks are 10 ms; user and system time apart (the kernel's part: socket writes, closes, the log's write and sync).
  const usPer = (a, b, part) => ((part ? marks[b][part] - marks[a][part] : marks[b].user + marks[b].system - marks[a].user - marks[a].system) / 100) * 1e6 / n;
  const r = {
    bundle: name, repeat: rep, streams: line.streams, ended: line.ended, events: line.events, expected: line.expected, failures: line.failures,
    eventUs: usPer(0, 1), eventAndEndUs: usPer(1, 2), endUs: usPer(1, 2) - usPer(0, 1),
    endSystemUs: usPer(1, 2, 'system') - usPer(0, 1, 'system'),
    recordsPerSync: (marks[2].records - marks[1].records) / (marks[2].syncs - marks[1].syncs),
    delayMs: line.rounds.map((x) => ({ p50: x.p50, p99: x.p99 })),
    windowsUs: marks.map((m) => m.mono), // the rounds' bounds on a CPU profile's clock
    logBytes: marks.map((m) => m.logBytes), // and in the gateway's log (GATEWAY_NODE_FLAGS=--trace-opt: what was compiled when)
  };
  up.child.kill('SIGTERM');
  await procs.stopAll(15_000);
  if (profile) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
    // A function's share of a round's samples times the round's measured CPU per stream.
    const share = (a, b) => {
      const hits = samplesByFunction(prof, { root, bundle: js, window: { from: marks[a].mono, to: marks[b].mono } });
      const total = [...hits.values()].reduce((x, y) => x + y, 0);
      return new Map([...hits].map(([f, h]) => [f, (h / total) * usPer(a, b)]));
    };
    r.profile = { event: share(0, 1), eventAndEnd: share(1, 2) };
  }
  if (perf) {
    // A symbol's share of a round's user-time samples times the round's measured user CPU per stream.
    const share = async (a, b) => {
      // Inclusive (the symbol anywhere on the stack: JIT frames keep frame pointers), so a gateway function shows what it costs with all it calls.
      const rep = await procs.run('perf', ['report', '-i', join(out, `${tag}-round${b}.perf`), '--stdio', '--children', '-g', 'none', '--sort', 'sym', '--percent-limit', '0.5'], { timeoutMs: 600_000 });
      const rows = [...rep.stdout.matchAll(/^\s+([\d.]+)%\s+[\d.]+%\s+\[.\]\s+(.+)$/gm)];
      return new Map(rows.map(([, pct, sym]) => [sym.trim().replace(/ \/tmp\/\S+| \/work\/\S+/, ''), (Number(pct) / 100) * usPer(a, b, 'user')]));
    };
    r.profile = { event: await share(0, 1), eventAndEnd: await share(1, 2) };
  }
  log(`${r.bundle} #${rep}: ${line.events}/${line.expected} events, ${line.ended}/${n} ended; CPU per stream: event ${r.eventUs.toFixed(0)} µs, last event + end ${r.eventAndEndUs.toFixed(0)} µs, so the end ${r.endUs.toFixed(0)} µs (system ${r.endSystemUs.toFixed(0)}), ${r.recordsPerSync.toFixed(1)} records per fdatasync; last round delay p50 ${line.rounds.at(-1).p50.toFixed(1)} ms, p99 ${line.rounds.at(-1).p99.toFixed(1)} ms`);
  return r;
}


async function main() {
  log(`${n} streams × ${events} events, one per ${period} ms per stream; ${repeats} repeat(s) of ${bundles.length} bundle(s), interleaved`);
  const runs = [];
  const variants = bundles.flatMap((js) => warmCounts.map((w) => [js, w]));
  for (let rep = 0; rep < repeats; rep++) for (const [js, w] of variants) runs.push(await run(js, w, rep));
  writeFileSync(join(out, 'stream-ends.json'), JSON.stringify({ n, events, period, runs }, (k, v) => (v instanceof Map ? Object.fromEntries(v) : v), 2) + '\n');
  console.log(`${n} streams; gateway CPU µs per stream, median [range] over ${repeats} run(s); last round's delay p50/p99 ms`);
  for (const name of new Set(runs.map((r) => r.bundle))) {
    const rs = runs.filter((r) => r.bundle === name);
    console.log(`${name.padEnd(24)} event ${range(rs.map((r) => r.eventUs))}, last event + end ${range(rs.map((r) => r.eventAndEndUs))}, end ${range(rs.map((r) => r.endUs))} (system ${range(rs.map((r) => r.endSystemUs))}); last round p50 ${range(rs.map((r) => r.delayMs.at(-1).p50), 1)}, p99 ${range(rs.map((r) => r.delayMs.at(-1).p99), 1)}`);
    if (!profile && !perf) continue;
    // By function, the mean over the runs: the end's share is round 2's minus round 1's.
    const sum = (key) => {
      const m = new Map();
      for (const r of rs) for (const [f, us] of r.profile[key]) m.set(f, (m.get(f) ?? 0) + us / rs.length);
      return m;
    };
    const ev = sum('event');
    const end = sum('eventAndEnd');
    const rows = [...new Set([...ev.keys(), ...end.keys()])].map((f) => [f, (end.get(f) ?? 0) - (ev.get(f) ?? 0), end.get(f) ?? 0]);
    console.log(`  end minus event, ${perf ? 'inclusive user' : 'self'} µs per stream (round 2 − round 1; round 2's own; a function's share of the round's samples × its measured CPU), top ${top}:`);
    for (const [f, d, e] of rows.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${d.toFixed(1).padStart(7)} ${e.toFixed(1).padStart(7)}  ${f}`);
  }
  return runs.every((r) => r.streams === n && r.ended === n && r.events === r.expected) ? 0 : 1;
}

procs.runMain(main, log, 20_000);
