// Many concurrent SSE streams (issue 23): N streams open at once through the full pipeline with
// stream masking (configs/streams.yaml), a slow upstream that writes E events per stream, one
// every PERIOD ms, spread evenly over the period (lib/paced-upstream.mjs). Reports the gateway's
// RSS per open stream and the delay each event gains on its way (arrival minus the upstream's
// due time), p50/p99, next to the same run straight to the upstream and through proxy-only:
// "added" is the target's percentile minus direct's. Targets: ≤ 20 KB RSS per stream and a p99
// added delay ≤ 5 ms.
//
// N is 10,000 unless the open-file limit is lower: a gateway holds two sockets per stream (the
// client's and the upstream's), so N ≤ (ulimit -n − 200) / 2 (the limit here is 20,000, hard).
//
// Usage: node bench/many-streams.mjs [--json]   (also a mode of `npm run bench`; STREAMS=0 skips it there)
// Env: STREAMS (N), STREAM_EVENTS (20), STREAM_PERIOD_MS (1000), GATEWAY_JS (another bundle),
//      BENCH_OUT (results folder), BENCH_PIDFILE (run.sh's list of pids to kill if we die).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recentRecordsWindow, startGatehouseServe, warmUp } from './lib/gatehouse-serve.mjs';
import { request } from './lib/http-util.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { memoryKb } from './lib/proc-stats.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const json = process.argv.includes('--json');
const gatewayJs = process.env.GATEWAY_JS ?? join(root, 'dist/gateway.js');
const openFiles = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || 1024;
const n = Number(process.env.STREAMS ?? Math.min(10_000, Math.floor((openFiles - 200) / 2)));
const events = Number(process.env.STREAM_EVENTS ?? 20);
const period = Number(process.env.STREAM_PERIOD_MS ?? 1000);
const targets = { rssKbPerStream: 20, addedP99Ms: 5 };
const out = process.env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-streams`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), process.env.BENCH_PIDFILE);
const log = (m) => process.stderr.write(`many-streams: ${m}\n`);

/** One run of N streams, straight to a fresh paced upstream or through a gateway started from `gateway.template`. */
async function streamsThrough(name, gateway) {
  const up = await procs.start(`${name}-upstream`, 'node', [join(bench, 'lib/paced-upstream.mjs')], { ready: /listening (http\S+)/ });
  const upstreamBase = up.match[1];
  let gw;
  if (gateway) {
    gw = await startGatehouseServe({ procs, bench, out, gatewayJs }, name, gateway.template, upstreamBase, gateway.extra);
    // Warm up: the code paths, the heap and the audit's window of recent records settle before the baseline.
    await warmUp(gw, recentRecordsWindow / 2 + 200);
  }
  const target = gw ? { url: gw.url, auth: gw.auth, pid: gw.pid } : { url: `${upstreamBase}/v1/chat/completions`, auth: 'none', pid: up.pid };
  const start = memoryKb(target.pid).rss;
  const t0 = Date.now();
  const client = await procs.start(`${name}-client`, 'node', [join(bench, 'lib/stream-client.mjs'), target.url, target.auth, String(n), String(events), String(period), upstreamBase], {
    ready: /^open (\d+)$/m, timeoutMs: 300_000,
  });
  const opened = Number(client.match[1]);
  const openRss = memoryKb(target.pid).rss;
  const openSeconds = (Date.now() - t0) / 1000;
  let peak = openRss;
  const sampler = setInterval(() => { peak = Math.max(peak, memoryKb(target.pid).rss); }, 100);
  const line = await new Promise((resolve, reject) => {
    let text = '';
    client.child.stdout.on('data', (d) => {
      text += d;
      const m = /^(\{.*\})$/m.exec(text);
      if (m) resolve(JSON.parse(m[1]));
    });
    client.child.on('exit', () => reject(new Error(`${name}: the client exited without a result (logs/${name}-client.log)`)));
  });
  clearInterval(sampler);
  up.child.kill('SIGTERM');
  const r = {
    target: name, streams: opened, events: line.events, expectedEvents: line.expected, failures: line.failures, openSeconds,
    rssStartMb: start / 1024, rssOpenMb: openRss / 1024, rssPeakMb: peak / 1024,
    rssKbPerStream: (openRss - start) / opened, rssPeakKbPerStream: (peak - start) / opened,
    delayMs: { p50: line.p50, p90: line.p90, p99: line.p99, max: line.max },
  };
  log(`${name}: ${opened} streams open in ${openSeconds.toFixed(1)} s; ${line.events}/${line.expected} events; RSS +${r.rssKbPerStream.toFixed(1)} KB/stream open, +${r.rssPeakKbPerStream.toFixed(1)} KB at peak; delay p50 ${line.p50.toFixed(2)} ms, p99 ${line.p99.toFixed(2)} ms`);
  return { r, pid: gw?.pid };
}

async function main() {
  log(`${n} streams × ${events} events, one per ${period} ms per stream (open-file limit ${openFiles})`);
  const runs = [];
  const direct = await streamsThrough('direct');
  runs.push(direct.r);
  for (const [name, template, extra] of [['gatehouse-proxy', 'streams-proxy.yaml', ['--proxy-only']], ['gatehouse-streams', 'streams.yaml', []]]) {
    const { r, pid } = await streamsThrough(name, { template, extra });
    r.addedMs = { p50: r.delayMs.p50 - direct.r.delayMs.p50, p99: r.delayMs.p99 - direct.r.delayMs.p99 };
    runs.push(r);
    if (pid) process.kill(pid, 'SIGTERM');
  }
  const full = runs.at(-1);
  const verdict = {
    rssKbPerStream: { value: full.rssPeakKbPerStream, target: targets.rssKbPerStream, pass: full.rssPeakKbPerStream <= targets.rssKbPerStream },
    addedP99Ms: { value: full.addedMs.p99, target: targets.addedP99Ms, pass: full.addedMs.p99 <= targets.addedP99Ms },
    complete: runs.every((r) => r.streams === n && r.events === r.expectedEvents),
  };
  const result = { streams: n, events, periodMs: period, openFiles, targets, runs, verdict };
  writeFileSync(join(out, 'many-streams.json'), JSON.stringify(result, null, 2) + '\n');
  if (json) console.log(JSON.stringify(result));
  else {
    for (const r of runs) {
      console.log(`${r.target.padEnd(18)} ${String(r.streams).padStart(6)} streams  RSS/stream open ${r.rssKbPerStream.toFixed(1).padStart(6)} KB  peak ${r.rssPeakKbPerStream.toFixed(1).padStart(6)} KB  delay p50 ${r.delayMs.p50.toFixed(2).padStart(7)} ms  p99 ${r.delayMs.p99.toFixed(2).padStart(7)} ms${r.addedMs ? `  added p50 ${r.addedMs.p50.toFixed(2)} p99 ${r.addedMs.p99.toFixed(2)} ms` : ''}`);
    }
    console.log(`full pipeline: ${verdict.rssKbPerStream.value.toFixed(1)} KB/stream (target ≤ ${targets.rssKbPerStream}: ${verdict.rssKbPerStream.pass ? 'PASS' : 'MISS'}), added p99 ${verdict.addedP99Ms.value.toFixed(2)} ms (target ≤ ${targets.addedP99Ms}: ${verdict.addedP99Ms.pass ? 'PASS' : 'MISS'})${verdict.complete ? '' : '; INCOMPLETE: some streams or events were lost (see the runs)'}`);
  }
  return verdict.complete ? 0 : 1;
}

procs.runMain(main, log, 20_000);
