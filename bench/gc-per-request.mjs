// Bytes allocated and garbage collections per request (issue 23): the gateway runs with --trace-gc
// under wrk; the young-generation allocation between collections (heap before a GC minus heap after
// the one before) is summed over the measured run and divided by the requests.
// Usage: node bench/gc-per-request.mjs [proxy:|floor:]A.js [proxy:|floor:]B.js ...   (interleaved rounds;
//        proxy: runs `serve --proxy-only`, floor: configs/floor.yaml, any other name: configs/<name>.yaml,
//        none configs/full.yaml; GATEWAY_NODE_FLAGS="--single-threaded-gc" puts all of GC in the pause column)
// Env: MODE (json-160B), CONN (50), WARMUP (8 s), DUR (4 s), ROUNDS (3), GATEWAY_NODE_FLAGS (node flags
//      per build, ';'-separated as in big-prompt.mjs: `A.js A.js` with "; --max-semi-space-size=64").
import { readFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk } from './lib/load.mjs';
import { modeBodyFile } from './lib/modes.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { cpuTicks } from './lib/proc-stats.mjs';
import { startGatehouseServe } from './lib/gatehouse-serve.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const mode = env.MODE ?? 'json-160B';
const bodyFile = modeBodyFile(mode);
const out = join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-gc-${mode}`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const pin = availableParallelism() >= 2;
const ctx = { bench, conn: Number(env.CONN ?? 50), procs, loadCpu: pin ? 1 : undefined, customHost: '', out };
const GC = /: (Scavenge|Mark-Compact|Mark-sweep)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/;

/**
 * GC lines of a gateway's log from byte `from` on: count by kind, MB allocated, ms paused (a
 * mark-compact's incremental steps included), and MB
 * promoted (the heap's growth from one scavenge to the next: what survived into old space, which
 * is what brings on the mark-compacts).
 */
function gcSince(logFile, from) {
  const text = readFileSync(logFile, 'utf8').slice(from);
  let prevAfter, prevKind, allocated = 0, pause = 0, promoted = 0;
  const count = { Scavenge: 0, 'Mark-Compact': 0 };
  for (const line of text.split('\n')) {
    const m = GC.exec(line);
    if (!m) continue;
    count[m[1] === 'Scavenge' ? 'Scavenge' : 'Mark-Compact']++;
    const before = Number(m[2]), after = Number(m[4]);
    if (prevAfter !== undefined && before > prevAfter) allocated += before - prevAfter;
    if (m[1] === 'Scavenge' && prevKind === 'Scavenge' && after > prevAfter) promoted += after - prevAfter;
    prevAfter = after;
    prevKind = m[1];
    pause += Number(m[6]);
    // A mark-compact's incremental marking steps ran on the main thread before its final pause.
    pause += Number(/\(\+ ([\d.]+) ms in \d+ steps/.exec(line)?.[1] ?? 0);
  }
  return { count, allocatedMB: allocated, pauseMs: pause, promotedMB: promoted };
}

async function main() {
  const flags = (env.GATEWAY_NODE_FLAGS ?? '').split(';');
  const specs = process.argv.slice(2).map((a, i) => ({ kind: /^([\w-]+):/.exec(a)?.[1] ?? 'full', js: resolve(a.replace(/^[\w-]+:/, '')), flags: (flags[i] ?? '').trim().split(/\s+/).filter(Boolean) }));
  const up = await procs.start('upstream', 'node', [join(bench, 'upstream.mjs')], { cpu: pin ? 0 : undefined, ready: /listening (http\S+)/ });
  const targets = [];
  for (const [i, s] of specs.entries()) {
    const name = `gw${i}`;
    const gw = await startGatehouseServe({ ...ctx, gatewayJs: s.js }, name, `${s.kind === 'proxy' ? 'proxy-only' : s.kind}.yaml`, up.match[1], s.kind === 'proxy' ? ['--proxy-only'] : [], { nodeFlags: ['--trace-gc', ...s.flags], cpu: pin ? 0 : undefined });
    targets.push({ ...s, ...gw, log: join(out, 'logs', `${name}.log`), rows: [] });
  }
  for (const t of targets) await runWrk(ctx, { url: t.url, bodyFile, seconds: Number(env.WARMUP ?? 8), auth: t.auth });
  for (let round = 0; round < Number(env.ROUNDS ?? 3); round++) {
    for (const t of targets) {
      const from = readFileSync(t.log, 'utf8').length;
      const c0 = cpuTicks(t.pid);
      const r = await runWrk(ctx, { url: t.url, bodyFile, seconds: Number(env.DUR ?? 4), auth: t.auth });
      const cpuUs = ((cpuTicks(t.pid) - c0) / 100) * 1e6 / r.requests;
      const g = gcSince(t.log, from);
      t.rows.push({ kbPerReq: (g.allocatedMB * 1024) / r.requests, promotedPerReq: (g.promotedMB * 1024) / r.requests, scavengesPer1k: (g.count.Scavenge * 1000) / r.requests, majorPer1k: (g.count['Mark-Compact'] * 1000) / r.requests, pauseUsPerReq: (g.pauseMs * 1000) / r.requests, cpuUs });
    }
  }
  const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const fmt = (rows, k, d) => `${med(rows.map((r) => r[k])).toFixed(d)} [${Math.min(...rows.map((r) => r[k])).toFixed(d)}–${Math.max(...rows.map((r) => r[k])).toFixed(d)}]`;
  console.log(`${mode}, c${ctx.conn}, median [range] over ${targets[0].rows.length} rounds`);
  console.log('| build | KB allocated/req | KB promoted/req | scavenges/1k req | mark-compacts/1k req | GC pause µs/req | CPU µs/req |\n|---|---:|---:|---:|---:|---:|---:|');
  for (const t of targets) console.log(`| ${t.kind === 'full' ? '' : `${t.kind}:`}${t.js}${t.flags.length ? ' ' + t.flags.join(' ') : ''} | ${fmt(t.rows, 'kbPerReq', 2)} | ${fmt(t.rows, 'promotedPerReq', 2)} | ${fmt(t.rows, 'scavengesPer1k', 2)} | ${fmt(t.rows, 'majorPer1k', 2)} | ${fmt(t.rows, 'pauseUsPerReq', 1)} | ${fmt(t.rows, 'cpuUs', 0)} |`);
}

main().then(() => procs.stopAll().then(() => process.exit(0)), async (err) => {
  process.stderr.write(`gc-per-request: failed: ${err.stack ?? err}\n`);
  await procs.stopAll();
  process.exit(1);
});
