// CPU profile of the gateway under load: `npm run bench:profile` (or node bench/profile.mjs).
// Starts the mock upstream and one gateway with --cpu-prof, drives it with wrk, stops it, and prints
// where its CPU went: self time by function (mapped back to the TypeScript sources through the
// bundle's source map) and by part (Express, prom-client, node:http internals, our code, GC ...),
// then CPU µs per request by pipeline stage over the measured run only (no warm-up, no start-up:
// first-use loads such as the tokenizer's would otherwise count as per-request work).
// Env: TARGET=proxy|full|floor|floor-shm (default proxy; floor: configs/floor.yaml, floor-shm: the same
//      with its data dir on tmpfs, as in lib/build-spec.mjs), MODE=json-160B|sse-160B|json-4KB|sse-4KB, DUR (10), TOP (30),
//      INTERVAL (sampling interval in µs, V8's default 1000; finer costs more CPU per request).
import { mkdtempSync, readdirSync, readFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk } from './lib/load.mjs';
import { modeBodyFile } from './lib/modes.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { cpuTicks } from './lib/proc-stats.mjs';
import { request } from './lib/http-util.mjs';
import { stageBreakdown, summarize } from './lib/profile-summary.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const env = process.env;
const target = env.TARGET ?? 'proxy';
const mode = env.MODE ?? 'json-160B';
const dur = Number(env.DUR ?? 10);
const top = Number(env.TOP ?? 30);
const bodyFile = modeBodyFile(mode);
const out = join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-profile-${target}-${mode}`);
const profDir = join(out, 'profiles');
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const pin = availableParallelism() >= 2;
const ctx = { bench, conn: Number(env.CONN ?? 50), procs, loadCpu: pin ? 1 : undefined, customHost: '' };
const ADDR = /^data\s+(http\S+)\s*$[\s\S]*^admin\s+(http\S+)\s*$/m;
process.on('SIGINT', () => procs.stopAll().then(() => process.exit(130)));

async function main() {
  const up = await procs.start('upstream', 'node', [join(bench, 'upstream.mjs')], { cpu: pin ? 0 : undefined, ready: /listening (http\S+)/ });
  const dataDir = target === 'floor-shm' ? mkdtempSync('/dev/shm/gatehouse-profile-') : join(out, 'data');
  if (target === 'floor-shm') process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const template = { full: 'full.yaml', floor: 'floor.yaml', 'floor-shm': 'floor.yaml' }[target] ?? 'proxy-only.yaml';
  const proxyOnly = template === 'proxy-only.yaml';
  const config = join(out, template);
  writeFileSync(config, readFileSync(join(bench, 'configs', template), 'utf8').replaceAll('__UPSTREAM_URL__', up.match[1]).replaceAll('__DATA_DIR__', dataDir).replaceAll('__BENCH__', bench));
  const gw = await procs.start('gateway', 'node', ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...(env.INTERVAL ? [`--cpu-prof-interval=${env.INTERVAL}`] : []), join(root, 'dist/gateway.js'), 'serve', '--config', config, '--port', '0', '--admin-port', '0', '--data-dir', dataDir, ...(proxyOnly ? ['--proxy-only'] : [])], {
    cpu: pin ? 0 : undefined, env: { BENCH_UPSTREAM_KEY: 'sk-upstream-bench' }, ready: ADDR,
  });
  let auth;
  if (!proxyOnly) {
    const minted = await procs.run('node', [join(root, 'dist/gateway.js'), 'token', '--sub', 'bench-agent', '--groups', 'agents', '--ttl', '1h', '--config', config, '--data-dir', dataDir]);
    if (minted.code !== 0) throw new Error(`token minting failed: ${minted.stderr}`);
    auth = minted.stdout.trim();
  }
  const url = gw.match[1] + '/v1/chat/completions';
  const probe = await request(url, { body: readFileSync(bodyFile), headers: { authorization: `Bearer ${auth ?? 'sk-dummy'}` } });
  if (probe.status !== 200) throw new Error(`gateway answered ${probe.status}: ${probe.text.slice(0, 200)}`);
  await runWrk(ctx, { url, bodyFile, seconds: 2, auth });
  const t0 = cpuTicks(gw.pid);
  // The profile's clock is CLOCK_MONOTONIC in µs, as process.hrtime's in this process.
  const from = Number(process.hrtime.bigint() / 1000n);
  const r = await runWrk(ctx, { url, bodyFile, seconds: dur, auth });
  const to = Number(process.hrtime.bigint() / 1000n);
  const us = ((cpuTicks(gw.pid) - t0) / 100) * 1e6 / r.requests;
  await procs.stopAll(15_000);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  console.log(`${target} ${mode}: ${r.rps.toFixed(0)} req/s, ${us.toFixed(0)} µs CPU/req (with the profiler on), profile ${join(profDir, file)}, measured from ${from} to ${to} µs on its clock\n`);
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8'));
  console.log(summarize(profile, { root, top }));
  console.log(`\n${stageBreakdown(profile, { root, requests: r.requests, window: { from, to }, unit: 'µs' })}`);
}

main().then(() => procs.stopAll().then(() => process.exit(0)), async (err) => {
  process.stderr.write(`profile: failed: ${err.stack ?? err}\n`);
  await procs.stopAll();
  process.exit(1);
});
