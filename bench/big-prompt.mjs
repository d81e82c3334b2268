// Big prompts (issue 23): the time a 64 KB, 1 MB or 4 MB chat request adds before its first byte,
// through Gatehouse's full pipeline (same config, policy, masking and audit as `npm run bench`)
// and proxy-only, against the mock upstream directly. JSON and SSE answers.
//
// Each round runs every target once per mode (targets interleaved, so drift on the machine spreads
// over all of them): a sequential probe (lib/latency-probe.mjs, one request in flight on one
// keep-alive connection) gives that round's p50 time to first byte and to the end of the response.
// "Added" is a target's p50 minus direct's p50 in the same round; every figure is the median over
// the rounds with its range. MB/s end to end = the body's size / the full pipeline's time to first
// byte (the request must have been read, checked, masked, recorded and forwarded by then).
// Server CPU ms/req: the target's process CPU (utime + stime) over its probe, per request: far
// less disturbed by other load on the machine than the times, so the figure to A/B a change by.
// Server page faults/req: the target's minor page faults over its probe, per request: pages of
// fresh memory touched (a new megabyte buffer or string is 256), which load does not move at all.
//
// Usage: node bench/big-prompt.mjs [--json]   (npm run bench runs it too unless BIG=0)
// Env: BIG_MODES (json-64KB sse-64KB json-1MB sse-1MB json-4MB sse-4MB), BIG_ROUNDS (5),
//      BIG_TARGETS (direct gatehouse-proxy gatehouse-full), BIG_PROBE_SCALE (requests per probe ×), GATEWAY_JS (one or more bundles,
//      space-separated: each gets its own full-pipeline target, for interleaved A/B of a change;
//      default dist/gateway.js), GATEWAY_NODE_FLAGS (node flags per bundle, ';'-separated, e.g.
//      GATEWAY_JS="a.js a.js" GATEWAY_NODE_FLAGS="; --max-semi-space-size=32"), PROFILE=1
//      (--cpu-prof of the full pipeline(s); `node bench/profile.mjs FILE.cpuprofile` prints the
//      per-stage breakdown), BENCH_OUT, BENCH_PIDFILE.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bigChatBody, bigSizes } from './lib/big-bodies.mjs';
import { request } from './lib/http-util.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { stat } from './lib/stats.mjs';
import { cpuTicks, minorFaults } from './lib/proc-stats.mjs';
import { checkBigPrompts, renderBigPrompt } from './lib/report.mjs';
import { stageBreakdown } from './lib/profile-summary.mjs';
import { startGatehouseFull, startGatehouseProxy, startUpstream } from './lib/targets.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const env = process.env;
const asJson = process.argv.includes('--json');
const modes = (env.BIG_MODES ?? 'json-64KB sse-64KB json-1MB sse-1MB json-4MB sse-4MB').split(/\s+/).filter(Boolean);
const rounds = Number(env.BIG_ROUNDS ?? 5);
const wanted = (env.BIG_TARGETS ?? 'direct gatehouse-proxy gatehouse-full').split(/\s+/).filter(Boolean);
const bundleFlags = (env.GATEWAY_NODE_FLAGS ?? '').split(';');
const bundles = (env.GATEWAY_JS ?? join(root, 'dist/gateway.js')).split(/\s+/).filter(Boolean).map((p) => resolve(p));
// Requests per probe: enough for a p50, few enough that a 4 MB round stays short.
// BIG_PROBE_SCALE multiplies both (finer CPU per request for an A/B: the clock ticks every 10 ms).
const probeScale = Number(env.BIG_PROBE_SCALE ?? 1);
const probeN = Object.fromEntries(Object.entries({ '64KB': [30, 10], '1MB': [12, 4], '4MB': [6, 2] }).map(([k, v]) => [k, v.map((x) => Math.round(x * probeScale))]));
const out = env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-big-prompt`);
mkdirSync(join(out, 'logs'), { recursive: true });
mkdirSync(join(out, 'big-bodies'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const pin = env.PIN !== undefined ? env.PIN === '1' : availableParallelism() >= 2;
const log = (m) => process.stderr.write(`big-prompt: ${m}\n`);
process.on('SIGINT', () => procs.stopAll().then(() => process.exit(130)));
process.on('SIGTERM', () => procs.stopAll().then(() => process.exit(143)));

const clk = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
/** CPU ticks of a target's server process(es): for direct, the mock upstream's own. */
const serverTicks = (t) => t.pids().reduce((a, pid) => a + cpuTicks(pid), 0);
const serverFaults = (t) => t.pids().reduce((a, pid) => a + minorFaults(pid), 0);


async function main() {
  const files = {};
  for (const mode of modes) {
    const [kind, size] = mode.split('-');
    if (!bigSizes[size] || !['json', 'sse'].includes(kind)) throw new Error(`unknown mode ${mode} (json|sse)-(64KB|1MB|4MB)`);
    files[mode] = join(out, 'big-bodies', `chat-${size}${kind === 'sse' ? '-stream' : ''}.json`);
    writeFileSync(files[mode], bigChatBody(bigSizes[size], kind === 'sse'));
  }
  const ctx = {
    bench, root, out, procs, streamChunks: 20, serverCpu: pin ? 0 : undefined, loadCpu: pin ? 1 : undefined,
    nodeFlags: () => (env.PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(out, 'profiles')}`] : []),
  };
  const direct = await startUpstream(ctx);
  ctx.customHost = `${direct.base}/v1`;
  const targets = [];
  if (wanted.includes('direct')) targets.push(direct);
  for (const [i, bundle] of bundles.entries()) {
    const suffix = bundles.length > 1 ? `-${i}` : '';
    const flags = (bundleFlags[i] ?? '').split(/\s+/).filter(Boolean);
    const c = { ...ctx, out: join(out, `build${suffix}`), gatewayJs: bundle, nodeFlags: (name) => [...flags, ...ctx.nodeFlags(name)] };
    mkdirSync(c.out, { recursive: true });
    if (wanted.includes('gatehouse-proxy') && i === 0) {
      const t = await startGatehouseProxy(c, direct.base);
      if (t.unavailable) throw new Error(`gatehouse-proxy: ${t.unavailable}`);
      targets.push(t);
    }
    if (wanted.includes('gatehouse-full')) {
      const t = await startGatehouseFull(c, direct.base, smokeBodies);
      if (t.unavailable || t.note) throw new Error(`gatehouse-full (${bundle}): ${t.unavailable ?? t.note}`);
      targets.push({ ...t, bundle, name: `gatehouse-full${suffix}`, label: bundles.length > 1 ? `full pipeline ${basename(dirname(bundle))}/${basename(bundle)}${flags.length ? ` ${flags.join(' ')}` : ''}` : t.label });
    }
  }
  for (const t of targets) {
    for (const mode of modes) {
      const r = await request(t.url, { body: readFileSync(files[mode]), headers: { authorization: `Bearer ${t.auth ?? 'sk-dummy'}` }, timeoutMs: 30_000 });
      if (r.status !== 200) throw new Error(`${t.name} ${mode} answered ${r.status}: ${r.text.slice(0, 300)}`);
    }
  }
  log(`targets ${targets.map((t) => t.name).join(', ')}; ${rounds} rounds; results in ${out}`);

  const samples = {}; // mode → target → [{ttfb, total}]
  for (let r = 1; r <= rounds; r++) {
    for (const mode of modes) {
      const [n, warm] = probeN[mode.split('-')[1]];
      // Every other round in the reverse order: a fixed order favours the target that runs later
      // (compare.mjs found 4 of 6 rounds lower for whichever build ran second).
      for (const t of r % 2 ? targets : [...targets].reverse()) {
        const c0 = serverTicks(t);
        const f0 = serverFaults(t);
        const p = await procs.run('node', [join(bench, 'lib/latency-probe.mjs'), t.url, files[mode], String(n), String(warm)], {
          cpu: ctx.loadCpu, env: { AUTH: t.auth ?? 'sk-dummy', CUSTOM_HOST: ctx.customHost }, timeoutMs: 120_000,
        });
        if (p.code !== 0) throw new Error(`probe failed for ${t.name} ${mode}: ${p.stderr}`);
        const v = JSON.parse(p.stdout);
        const cpu = ((serverTicks(t) - c0) / clk) * 1000 / (n + warm);
        const faults = (serverFaults(t) - f0) / (n + warm);
        ((samples[mode] ??= {})[t.name] ??= []).push({ ttfb: v.ttfb_p50_ms, total: v.total_p50_ms, cpu, faults });
      }
      log(`round ${r} ${mode}: ${targets.map((t) => `${t.name} ${samples[mode][t.name].at(-1).ttfb} ms`).join(', ')}`);
    }
  }

  const rows = [];
  for (const mode of modes) {
    const bytes = bigSizes[mode.split('-')[1]];
    const d = samples[mode].direct;
    for (const t of targets) {
      const s = samples[mode][t.name];
      const row = { mode, target: t.name, label: t.label ?? t.name, bytes, rounds: s.length, ttfb_ms: stat(s.map((x) => x.ttfb)), total_ms: stat(s.map((x) => x.total)), cpu_ms: stat(s.map((x) => x.cpu)), faults: stat(s.map((x) => x.faults)) };
      if (d && t.name !== 'direct') row.added_ttfb_ms = stat(s.map((x, i) => x.ttfb - d[i].ttfb));
      if (t.name !== 'direct') row.mb_per_s = stat(s.map((x) => bytes / 2 ** 20 / (x.ttfb / 1000)));
      rows.push(row);
    }
  }
  const result = { rounds, pinning: pin ? 'servers on CPU 0, probe on CPU 1' : 'not pinned', rows };
  writeFileSync(join(out, 'big-prompt.json'), JSON.stringify(result, null, 2) + '\n');
  await procs.stopAll(15_000);
  if (asJson) console.log(JSON.stringify(result));
  else console.log(renderBigPrompt(result) + '\n' + checkBigPrompts(result).join('\n') + pairs(samples, targets));
  if (env.PROFILE === '1') printStages(targets);
}

/**
 * With several bundles, each against the first, round by round (the rounds ran side by side, so
 * load on the box hits both alike): the median of the per-round differences [range] and in how
 * many rounds the later build was lower, for server CPU and added first byte.
 */
function pairs(samples, targets) {
  const fulls = targets.filter((t) => t.name.startsWith('gatehouse-full'));
  if (fulls.length < 2) return '';
  const lines = ['', 'Side by side, per round (later build minus the first):'];
  for (const [mode, byTarget] of Object.entries(samples)) {
    const base = byTarget[fulls[0].name];
    for (const t of fulls.slice(1)) {
      const s = byTarget[t.name];
      const line = (key) => {
        const diffs = s.map((x, i) => x[key] - base[i][key]);
        const st = stat(diffs);
        return `${st.p50.toFixed(2)} [${st.min.toFixed(2)}–${st.max.toFixed(2)}] ms, lower in ${diffs.filter((d) => d < 0).length}/${diffs.length}`;
      };
      lines.push(`- ${mode} ${t.label}: server CPU ${line('cpu')}; first byte ${line('ttfb')}`);
    }
  }
  return lines.join('\n');
}

const smokeBodies = { json160: readFileSync(join(bench, 'bodies/chat-160B.json'), 'utf8'), json4k: readFileSync(join(bench, 'bodies/chat-4KB.json'), 'utf8') };

/** Per-stage breakdown of each full pipeline's profile (one mode per run, so the per-request figure means something). */
function printStages(targets) {
  const dir = join(out, 'profiles');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  const requests = modes.length === 1 ? 1 + rounds * probeN[modes[0].split('-')[1]].reduce((a, b) => a + b, 0) : undefined;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    // Each gateway's profile is named after its pid; the bundle's source map maps it back.
    const t = targets.find((x) => x.pid !== undefined && file.includes(`.${x.pid}.`));
    if (!t?.name.startsWith('gatehouse-full')) continue;
    console.log(`\n${t.label} (${modes.join(' ')}), ${file}:\n${stageBreakdown(profile, { root, bundle: t.bundle, requests })}`);
  }
}

main().catch(async (err) => {
  log(`failed: ${err.stack ?? err}`);
  await procs.stopAll();
  process.exit(1);
});
