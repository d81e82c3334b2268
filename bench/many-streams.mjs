// Many concurrent SSE streams (issue 23): N streams open at once through the full pipeline with
// stream masking (configs/streams.yaml), a slow upstream that writes E events per stream, one
// every PERIOD ms, spread evenly over the period (lib/paced-upstream.mjs). Reports the gateway's
// RSS per open stream (above the RSS before the streams, and as the slope of RSS over the
// opening: rssSlope below) and the delay each event gains on its way (arrival minus the
// upstream's due time), p50/p99, next to the same run straight to the upstream and through
// proxy-only: "added" is the target's percentile minus direct's. Targets: ≤ 20 KB RSS per stream and a p99
// added delay ≤ 5 ms.
//
// N is 10,000 unless the open-file limit is lower: a gateway holds two sockets per stream (the
// client's and the upstream's), so N ≤ (ulimit -n − 200) / 2 (the limit here is 20,000, hard).
//
// The period is long enough (10 s: ≈ 1,000 events/s in all) that the direct run keeps up on this
// shared two-core box; at 1 s (≈ 10,000 events/s) the client and upstream alone fell seconds behind
// and no gateway's added delay could be read (bench/README, "Many streams: a delay that means something").
// Each period is a round (every stream's event i); the figures are given per round, with ranges.
//
// Usage: node bench/many-streams.mjs [--json]   (also a mode of `npm run bench`; STREAMS=0 skips it there)
// Env: STREAM_COUNT (N), STREAM_EVENTS (20), STREAM_PERIOD_MS (10000), STREAM_REPEATS (1: runs of
//      each target, interleaved), STREAM_TARGETS (direct,proxy,full), GATEWAY_JS (one bundle or
//      several, space-separated: an interleaved A/B), STREAM_WARM_STREAMS (0: whole streams of 3
//      events each gateway serves after its JSON warm-up, before the measured run, so that the
//      last round's ends are not the first it ever makes; several, space-separated: variants,
//      interleaved like the bundles), GATEWAY_NODE_FLAGS (e.g. --trace-gc: the
//      gateway's log then says which collections paused it), BENCH_OUT (results folder), BENCH_PIDFILE
//      (run.sh's list of pids to kill if we die).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recentRecordsWindow, startGatehouseServe, warmUp, warmUpStreams } from './lib/gatehouse-serve.mjs';
import { request } from './lib/http-util.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { memoryKb } from './lib/proc-stats.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const json = process.argv.includes('--json');
const gatewayNodeFlags = (process.env.GATEWAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const bundles = (process.env.GATEWAY_JS ?? join(root, 'dist/gateway.js')).split(/\s+/).filter(Boolean);
const openFiles = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || 1024;
const n = Number(process.env.STREAM_COUNT ?? Math.min(10_000, Math.floor((openFiles - 200) / 2)));
const events = Number(process.env.STREAM_EVENTS ?? 20);
const period = Number(process.env.STREAM_PERIOD_MS ?? 10_000);
const repeats = Number(process.env.STREAM_REPEATS ?? 1);
const kinds = (process.env.STREAM_TARGETS ?? 'direct,proxy,full').split(',');
const targets = { rssKbPerStream: 20, addedP99Ms: 5 };
const out = process.env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-streams`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), process.env.BENCH_PIDFILE);
const log = (m) => process.stderr.write(`many-streams: ${m}\n`);

/** One run of N streams, straight to a fresh paced upstream or through a gateway started from `gateway.template`. */
async function streamsThrough(name, rep, gateway, gatewayJs) {
  const tag = `${name.replace(':', '-')}-${rep}`; // processes' logs and data folders, one per run
  const up = await procs.start(`${tag}-upstream`, 'node', [join(bench, 'lib/paced-upstream.mjs')], { ready: /listening (http\S+)/ });
  const upstreamBase = up.match[1];
  let gw;
  if (gateway) {
    gw = await startGatehouseServe({ procs, bench, out, gatewayJs }, tag, gateway.template, upstreamBase, gateway.extra, { nodeFlags: gatewayNodeFlags });
    // Warm up: the code paths, the heap and the audit's window of recent records settle before the baseline.
    await warmUp(gw, recentRecordsWindow / 2 + 200);
    // And whole streams (STREAM_WARM_STREAMS): otherwise the last round's ends are the first SSE ends this gateway makes.
    if (gateway.warmStreams > 0) await warmUpStreams({ procs, bench }, gw, upstreamBase, tag, { count: gateway.warmStreams });
  }
  const target = gw ? { url: gw.url, auth: gw.auth, pid: gw.pid } : { url: `${upstreamBase}/v1/chat/completions`, auth: 'none', pid: up.pid };
  const start = memoryKb(target.pid).rss;
  const t0 = Date.now();
  const ramp = []; // [streams open, RSS KiB] after each burst of the opening
  let partial = '';
  const onStdout = (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const l of lines) if (l.startsWith('opened ')) ramp.push([Number(l.slice(7)), memoryKb(target.pid).rss]);
  };
  const client = await procs.start(`${tag}-client`, 'node', [join(bench, 'lib/stream-client.mjs'), target.url, target.auth, String(n), String(events), String(period), upstreamBase], {
    ready: /^open (\d+)$/m, timeoutMs: 300_000, onStdout,
  });
  const opened = Number(client.match[1]);
  const openRss = memoryKb(target.pid).rss;
  ramp.push([opened, openRss]);
  const openSeconds = (Date.now() - t0) / 1000;
  log(`${name}: ${opened} streams open after ${openSeconds.toFixed(1)} s, events due from now on`);
  let peak = openRss;
  const sampler = setInterval(() => { peak = Math.max(peak, memoryKb(target.pid).rss); }, 100);
  const line = await new Promise((resolve, reject) => {
    let text = '';
    client.child.stdout.on('data', (d) => {
      text += d;
      const m = /^(\{.*\})$/m.exec(text);
      if (m) resolve(JSON.parse(m[1]));
    });
    client.child.on('exit', () => reject(new Error(`${name}: the client exited without a result (logs/${tag}-client.log)`)));
  });
  clearInterval(sampler);
  up.child.kill('SIGTERM');
  const r = {
    target: name, streams: opened, events: line.events, expectedEvents: line.expected, failures: line.failures, openSeconds,
    rssStartMb: start / 1024, rssOpenMb: openRss / 1024, rssPeakMb: peak / 1024,
    rssKbPerStream: (openRss - start) / opened, rssPeakKbPerStream: (peak - start) / opened,
    ...rssSlope(ramp, opened, start, openRss, peak),
    delayMs: { p50: line.p50, p90: line.p90, p99: line.p99, max: line.max }, rounds: line.rounds,
  };
  log(`${name}: RSS ${r.rssStartMb.toFixed(1)} MB before the streams, ${r.rssOpenMb.toFixed(1)} open, ${r.rssPeakMb.toFixed(1)} at peak; slope ${r.rssSlopeKbPerStream.toFixed(1)} KB/stream open (fit over ${r.rampPoints} points), ${r.rssPeakSlopeKbPerStream.toFixed(1)} at peak; the fit's 0 streams ${r.rssFixedMb >= 0 ? '+' : ''}${r.rssFixedMb.toFixed(1)} MB above the start`);
  log(`${name}: ${line.events}/${line.expected} events; RSS +${r.rssKbPerStream.toFixed(1)} KB/stream open, +${r.rssPeakKbPerStream.toFixed(1)} KB at peak; delay p50 ${line.p50.toFixed(2)} ms, p99 ${line.p99.toFixed(2)} ms; per round p99 ${range(line.rounds.map((x) => x.p99))}`);
  return { r, pid: gw?.pid };
}

/**
 * RSS per stream that does not hang on the baseline: the slope of RSS against the number of open
 * streams, a least-squares fit over the opening's second half (RSS read after each burst of 200).
 * By then the room the warm-up left committed and free is filled, so each point's rise is what the
 * streams it added cost. At peak: the slope plus (peak − open) ÷ streams, all of the growth after
 * the opening counted as the streams'. `rssFixedMb` is what the slope leaves to no stream: the
 * fit's RSS at 0 streams minus the RSS before them (a one-off cost of the first streams, or slack
 * the first half filled). bench/README, "Session 13: RSS per stream as a slope".
 */
function rssSlope(ramp, opened, start, openRss, peak) {
  const pts = ramp.filter(([k]) => k >= opened / 2);
  const mean = (f) => pts.reduce((a, p) => a + f(p), 0) / pts.length;
  const mk = mean(([k]) => k);
  const mr = mean(([, r]) => r);
  const slope = mean(([k, r]) => (k - mk) * (r - mr)) / mean(([k]) => (k - mk) ** 2);
  return {
    rampPoints: pts.length, rssSlopeKbPerStream: slope, rssPeakSlopeKbPerStream: slope + (peak - openRss) / opened,
    rssFixedMb: (mr - slope * mk - start) / 1024, ramp,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const range = (xs, d = 2) => { const s = spread(xs); return `${s.median.toFixed(d)} [${s.min.toFixed(d)}–${s.max.toFixed(d)}]`; };

/** The targets of one repeat: direct, then each bundle's proxy-only and full pipeline. */
const warmCounts = (process.env.STREAM_WARM_STREAMS ?? '0').split(/\s+/).filter(Boolean).map(Number);
const variants = bundles.flatMap((js) => warmCounts.flatMap((warmStreams) => [
  ['proxy', 'gatehouse-proxy', 'streams-proxy.yaml', ['--proxy-only']],
  ['full', 'gatehouse-streams', 'streams.yaml', []],
].filter(([kind]) => kinds.includes(kind)).map(([, name, template, extra]) => ({
  name: `${name}${bundles.length > 1 ? `:${basename(js, '.js')}` : ''}${warmCounts.length > 1 ? `:w${warmStreams}` : ''}`, js, template, extra, warmStreams,
}))));

async function main() {
  log(`${n} streams × ${events} events, one per ${period} ms per stream (${Math.round(n / (period / 1000))} events/s; open-file limit ${openFiles}); ${repeats} repeat(s)`);
  const runs = [];
  for (let rep = 0; rep < repeats; rep++) {
    // A run straight to the upstream in each repeat: the added delay is against the same moment's floor.
    const direct = (await streamsThrough('direct', rep)).r;
    direct.repeat = rep;
    runs.push(direct);
    for (const v of variants) {
      const { r, pid } = await streamsThrough(v.name, rep, v, v.js);
      r.repeat = rep;
      // Added: the target's percentile minus direct's, over the whole run and round by round.
      r.addedMs = { p50: r.delayMs.p50 - direct.delayMs.p50, p99: r.delayMs.p99 - direct.delayMs.p99 };
      r.addedRoundsMs = r.rounds.map((x, i) => ({ p50: x.p50 - direct.rounds[i].p50, p99: x.p99 - direct.rounds[i].p99 }));
      log(`${v.name}: added p50 ${r.addedMs.p50.toFixed(2)} ms, p99 ${r.addedMs.p99.toFixed(2)} ms; per round added p99 ${range(r.addedRoundsMs.map((x) => x.p99))}`);
      runs.push(r);
      if (pid) process.kill(pid, 'SIGTERM');
    }
  }
  const names = ['direct', ...variants.map((v) => v.name)];
  const summary = names.map((name) => {
    const rs = runs.filter((r) => r.target === name);
    const all = (f) => spread(rs.map(f));
    return {
      target: name, runs: rs.length,
      rssKbPerStream: all((r) => r.rssKbPerStream), rssPeakKbPerStream: all((r) => r.rssPeakKbPerStream),
      rssSlopeKbPerStream: all((r) => r.rssSlopeKbPerStream), rssPeakSlopeKbPerStream: all((r) => r.rssPeakSlopeKbPerStream),
      rssStartMb: all((r) => r.rssStartMb), rssPeakMb: all((r) => r.rssPeakMb),
      delayP50Ms: all((r) => r.delayMs.p50), delayP99Ms: all((r) => r.delayMs.p99),
      roundP99Ms: spread(rs.flatMap((r) => r.rounds.map((x) => x.p99))),
      ...(name === 'direct' ? {} : { addedP50Ms: all((r) => r.addedMs.p50), addedP99Ms: all((r) => r.addedMs.p99), addedRoundP99Ms: spread(rs.flatMap((r) => r.addedRoundsMs.map((x) => x.p99))) }),
    };
  });
  // The verdict reads the (first bundle's) full pipeline: its worst repeat.
  const full = summary.find((s) => s.target.startsWith('gatehouse-streams')) ?? summary.at(-1);
  const verdict = full.addedP99Ms ? {
    rssKbPerStream: { value: full.rssPeakKbPerStream.max, target: targets.rssKbPerStream, pass: full.rssPeakKbPerStream.max <= targets.rssKbPerStream },
    addedP99Ms: { value: full.addedP99Ms.max, target: targets.addedP99Ms, pass: full.addedP99Ms.max <= targets.addedP99Ms },
    directKeptUp: summary[0].delayP99Ms.max <= targets.addedP99Ms,
    complete: runs.every((r) => r.streams === n && r.events === r.expectedEvents),
  } : { complete: runs.every((r) => r.streams === n && r.events === r.expectedEvents) };
  const result = { streams: n, events, periodMs: period, eventsPerSecond: n / (period / 1000), repeats, openFiles, targets, summary, runs, verdict };
  writeFileSync(join(out, 'many-streams.json'), JSON.stringify(result, null, 2) + '\n');
  if (json) console.log(JSON.stringify(result));
  else {
    const f = (s, d = 1) => (s.min === s.max ? s.median.toFixed(d) : `${s.median.toFixed(d)} [${s.min.toFixed(d)}–${s.max.toFixed(d)}]`);
    console.log(`${n} streams × ${events} events, ${result.eventsPerSecond.toFixed(0)} events/s; median [range] over ${repeats} run(s) each; "round p99": every stream's event i, over the ${events} rounds of every run`);
    for (const s of summary) {
      console.log(`${s.target.padEnd(28)} RSS/stream open ${f(s.rssKbPerStream)} KB, peak ${f(s.rssPeakKbPerStream)} KB (slope: open ${f(s.rssSlopeKbPerStream)}, peak ${f(s.rssPeakSlopeKbPerStream)}; RSS ${f(s.rssStartMb)} MB before, ${f(s.rssPeakMb)} at peak); delay p50 ${f(s.delayP50Ms, 2)} ms, p99 ${f(s.delayP99Ms, 2)} ms, round p99 ${f(s.roundP99Ms, 2)} ms${s.addedP99Ms ? `; added p50 ${f(s.addedP50Ms, 2)}, p99 ${f(s.addedP99Ms, 2)}, round p99 ${f(s.addedRoundP99Ms, 2)} ms` : ''}`);
    }
    if (verdict.addedP99Ms) {
      console.log(`full pipeline (worst run): peak ${verdict.rssKbPerStream.value.toFixed(1)} KB/stream (target ≤ ${targets.rssKbPerStream}: ${verdict.rssKbPerStream.pass ? 'PASS' : 'MISS'}), added p99 ${verdict.addedP99Ms.value.toFixed(2)} ms (target ≤ ${targets.addedP99Ms}: ${verdict.addedP99Ms.pass ? 'PASS' : 'MISS'})${verdict.directKeptUp ? '' : '; direct did not keep up (its own p99 is above 5 ms): the added delay is not the gateway\'s alone'}${verdict.complete ? '' : '; INCOMPLETE: some streams or events were lost (see the runs)'}`);
    }
  }
  return verdict.complete ? 0 : 1;
}

procs.runMain(main, log, 20_000);
