// What an event of an open stream leaves in old space (issue 23, session 9): N streams through the
// full pipeline (configs/streams.yaml, as bench/many-streams.mjs), E events each, one per PERIOD ms
// per stream, spread evenly over the period (lib/paced-upstream.mjs). The gateway runs with
// --trace-gc-nvp; over the middle rounds (from round 1's start to the last round's: no stream opens,
// makes its first-use state or ends there) the scavenges' `promoted` bytes, their count, their
// pauses and the bytes allocated, per 1,000 events. What an event stores into a stream's state lives
// until the stream's next event, a period later: it survives scavenges and is promoted, then dies in
// old space, the garbage that lifts peak RSS above the live heap (bench/README, "Session 8").
// A figure at this grain is repeatable where RSS is not.
//
// PROMOTION_WINDOW=ends: the last round instead (every stream's last event and its end: the steps'
// end, the outcome record and its sync, the client's last bytes), per 1,000 ends: what the ends
// leave in old space, the growth that makes the peak when they come after the memory reducer's
// mark-compact (bench/README, "Session 11: where the peak is"). PROMOTION_WINDOW=open: the opening
// (the client's bursts of 200 streams until every stream has its headers), per 1,000 streams opened:
// what survives of a stream's request, its live state among it (bench/README, "Session 13").
//
// The young generation is small here (--max-semi-space-size=2 unless PROMOTION_SEMI_MB says
// otherwise): at 9,900 streams, one event per 10 s each, a scavenge comes every ≈ 2.7 s, so what
// lives a period is promoted; 2,000 streams at one event per 4 s with the default 16 MB semi-space
// scavenge only every ≈ 6 s, and what lives a period mostly dies before its second scavenge. With
// 2 MB, a scavenge every ≈ 1 s keeps the ratio of the period to the scavenges' interval (≈ 4).
//
// Usage: node bench/stream-promotion.mjs
// Env: STREAM_COUNT (2000), STREAM_EVENTS (8), STREAM_PERIOD_MS (4000), PROMOTION_REPEATS (2: runs
//      of each bundle, interleaved), GATEWAY_JS (one bundle or several, space-separated),
//      PROMOTION_SEMI_MB (2; 0: V8's default), PROMOTION_WINDOW (middle; ends: the last round; open: the opening), PROMOTION_PROFILE=1 (a sampling heap profile of the
//      window without what scavenges collected, lib/heap-sampler.cjs: bytes per event that survived
//      the young generation, by Gatehouse function and allocation site), TOP (30), GATEWAY_NODE_FLAGS (more flags for the gateway),
//      BENCH_OUT, BENCH_PIDFILE.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { openPacedStreams, recentRecordsWindow, startGatehouseServe, warmUp } from './lib/gatehouse-serve.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { summarizeHeap } from './lib/profile-summary.mjs';
import { rangeText as range } from './lib/stats.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const env = process.env;
const bundles = (env.GATEWAY_JS ?? join(root, 'dist/gateway.js')).split(/\s+/).filter(Boolean);
const n = Number(env.STREAM_COUNT ?? 2000);
const events = Number(env.STREAM_EVENTS ?? 8);
const period = Number(env.STREAM_PERIOD_MS ?? 4000);
const repeats = Number(env.PROMOTION_REPEATS ?? 2);
const semiMb = Number(env.PROMOTION_SEMI_MB ?? 2);
const profile = env.PROMOTION_PROFILE === '1';
const endsWindow = env.PROMOTION_WINDOW === 'ends';
const openWindow = env.PROMOTION_WINDOW === 'open';
/** The window's rounds, for the report: the middle ones, the last (every stream's last event and its end), or the opening. */
const windowName = openWindow ? 'the opening' : endsWindow ? `round ${events - 1} (the ends)` : `rounds 1–${events - 2}`;
const unit = openWindow ? 'stream' : endsWindow ? 'end' : 'event';
const out = env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-stream-promotion`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const log = (m) => process.stderr.write(`stream-promotion: ${m}\n`);
const nowMs = () => performance.timeOrigin + performance.now(); // the paced upstream's clock (epoch ms)
const sleepUntil = (t) => new Promise((r) => setTimeout(r, Math.max(0, t - nowMs())));

/** The collections --trace-gc-nvp wrote in `text`: kind (s: scavenge, ms: mark-compact, ...) and the figures read here. */
function collections(text) {
  const num = (line, key) => Number(new RegExp(`\\b${key}=([\\d.]+)`).exec(line)?.[1] ?? 0);
  return [...text.matchAll(/^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: (pause=.*)$/gm)].map(([, line]) => ({
    kind: /\bgc=(\w+)/.exec(line)?.[1], pause: num(line, 'pause'), promoted: num(line, 'promoted'), allocated: num(line, 'allocated'),
  }));
}

async function run(js, rep) {
  const tag = `${basename(js, '.js')}-${rep}`;
  const profileFile = join(out, `${tag}.heapprofile`);
  Object.assign(process.env, { HEAP_PROFILE_OUT: profileFile, HEAP_SAMPLING_MINOR: '0' });
  const up = await procs.start(`${tag}-upstream`, 'node', [join(bench, 'lib/paced-upstream.mjs')], { ready: /listening (http\S+)/ });
  const gw = await startGatehouseServe({ procs, bench, out, gatewayJs: js }, tag, 'streams.yaml', up.match[1], [], {
    nodeFlags: ['--trace-gc-nvp', ...(profile ? ['-r', join(bench, 'lib/heap-sampler.cjs'), '--expose-gc'] : []), ...(semiMb > 0 ? [`--max-semi-space-size=${semiMb}`] : []), ...(env.GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)],
  });
  await warmUp(gw, recentRecordsWindow / 2 + 200);
  const logFile = join(out, 'logs', `${tag}.log`);
  let from, to;
  if (openWindow) {
    from = statSync(logFile).size;
    if (profile) process.kill(gw.pid, 'SIGUSR2');
  }
  const { go, result } = await openPacedStreams({ procs, bench }, gw, up, tag, { n, events, period });
  if (openWindow) {
    to = statSync(logFile).size;
    if (profile) process.kill(gw.pid, 'SIGUSR2');
  }
  const windowEvents = endsWindow || openWindow ? n : n * (events - 2);
  const t0 = await go;
  // The window: rounds 1 to E−2 (every stream past its first event, none at its last), or (ends)
  // the last round until every stream has ended.
  if (!openWindow) {
    await sleepUntil(t0 + (endsWindow ? events - 1 : 1) * period);
    from = statSync(logFile).size;
    if (profile) process.kill(gw.pid, 'SIGUSR2');
    if (!endsWindow) await sleepUntil(t0 + (events - 1) * period);
  }
  let line = endsWindow ? await result : undefined;
  to ??= statSync(logFile).size;
  if (profile && !openWindow) process.kill(gw.pid, 'SIGUSR2');
  line ??= await result;
  let heap;
  if (profile) {
    for (let i = 0; i < 600 && !existsSync(profileFile); i++) await sleepUntil(nowMs() + 100);
    await sleepUntil(nowMs() + 1000); // written with one writeFileSync: whole by now
    heap = summarizeHeap(JSON.parse(readFileSync(profileFile, 'utf8')), { root, bundle: js, count: windowEvents, unit: `B/${unit}`, top: Number(env.TOP ?? 30) });
  }
  up.child.kill('SIGTERM');
  await procs.stopAll(15_000);
  const gcs = collections(readFileSync(logFile).subarray(from, to).toString('utf8'));
  const scavenges = gcs.filter((g) => g.kind === 's');
  const per1k = (x) => (x * 1000) / windowEvents;
  const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
  const r = {
    bundle: basename(js, '.js'), repeat: rep, streams: line.streams, events: line.events, expected: line.expected, windowEvents,
    promotedKbPer1k: per1k(sum(scavenges, (g) => g.promoted)) / 1024,
    scavengesPer1k: per1k(scavenges.length),
    allocatedKbPer1k: per1k(sum(scavenges, (g) => g.allocated)) / 1024,
    pauseMsPer1k: per1k(sum(gcs, (g) => g.pause)),
    markCompacts: gcs.filter((g) => g.kind === 'ms' || g.kind === 'mc').length,
    delayP99Ms: line.p99,
    // From a stream's last event to its end, as its client saw it: how long an end lives (ms).
    endGapMs: line.endGapMs,
  };
  if (heap) log(`${r.bundle} #${rep}: what survived the young generation, in ${windowName}:\n${heap}`);
  log(`${r.bundle} #${rep}: ${line.events}/${line.expected} events; per 1,000 ${unit}s: promoted ${r.promotedKbPer1k.toFixed(0)} KB, ${r.scavengesPer1k.toFixed(2)} scavenges, allocated ${r.allocatedKbPer1k.toFixed(0)} KB, pauses ${r.pauseMsPer1k.toFixed(1)} ms; ${r.markCompacts} mark-compacts; last event → end p50 ${r.endGapMs.p50.toFixed(1)}, p90 ${r.endGapMs.p90.toFixed(1)}, p99 ${r.endGapMs.p99.toFixed(1)} ms`);
  return r;
}


async function main() {
  log(`${n} streams × ${events} events, one per ${period} ms per stream; ${repeats} repeat(s) of ${bundles.length} bundle(s), interleaved`);
  const runs = [];
  for (let rep = 0; rep < repeats; rep++) {
    // Bundles in the reverse order every other repeat (a fixed order favours one).
    for (const js of rep % 2 ? [...bundles].reverse() : bundles) runs.push(await run(js, rep));
  }
  writeFileSync(join(out, 'stream-promotion.json'), JSON.stringify({ n, events, period, window: env.PROMOTION_WINDOW ?? 'middle', runs }, null, 2) + '\n');
  console.log(`${n} streams, ${windowName}; per 1,000 ${unit}s, median [range] over ${repeats} run(s)`);
  for (const name of new Set(runs.map((r) => r.bundle))) {
    const rs = runs.filter((r) => r.bundle === name);
    console.log(`${name.padEnd(24)} promoted ${range(rs.map((r) => r.promotedKbPer1k))} KB, scavenges ${range(rs.map((r) => r.scavengesPer1k), 2)}, allocated ${range(rs.map((r) => r.allocatedKbPer1k))} KB, pauses ${range(rs.map((r) => r.pauseMsPer1k), 1)} ms; mark-compacts ${rs.map((r) => r.markCompacts).join(', ')}; last event → end p50 ${range(rs.map((r) => r.endGapMs.p50), 1)}, p99 ${range(rs.map((r) => r.endGapMs.p99), 1)} ms`);
  }
  return runs.every((r) => r.streams === n && r.events === r.expected) ? 0 : 1;
}

procs.runMain(main, log, 20_000);
