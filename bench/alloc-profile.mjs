// Where the gateway's allocation per request comes from (issue 23): V8's sampling heap profile,
// collected objects included, over a wrk run (`lib/heap-sampler.cjs` preloaded into the gateway),
// mapped back to the TypeScript sources. Prints bytes per request by the innermost Gatehouse
// function on the stack and by allocation site (innermost frame, with its Gatehouse caller).
// Usage: node bench/alloc-profile.mjs [proxy:|floor:]dist/gateway.js   (proxy: `serve --proxy-only`, floor: configs/floor.yaml)
// Env: MODE (json-160B), CONN (50), WARMUP (4 s), DUR (4 s), TOP (30), HEAP_SAMPLING_INTERVAL (512 B).
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWrk } from './lib/load.mjs';
import { modeBodyFile } from './lib/modes.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { startGatehouseServe } from './lib/gatehouse-serve.mjs';
import { summarizeHeap } from './lib/profile-summary.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const env = process.env;
const mode = env.MODE ?? 'json-160B';
const top = Number(env.TOP ?? 30);
const bodyFile = modeBodyFile(mode);
const out = join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-alloc-${mode}`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const pin = availableParallelism() >= 2;
const ctx = { bench, conn: Number(env.CONN ?? 50), procs, loadCpu: pin ? 1 : undefined, customHost: '', out };

async function until(file) {
  for (let i = 0; i < 600 && !existsSync(file); i++) await sleep(100);
  await sleep(200);
}

async function main() {
  const arg = process.argv[2] ?? 'dist/gateway.js';
  const kind = /^(proxy|floor):/.exec(arg)?.[1] ?? 'full';
  const proxy = kind === 'proxy';
  const js = resolve(arg.replace(/^(proxy|floor|full):/, ''));
  const profileFile = join(out, 'heap.heapprofile');
  process.env.HEAP_PROFILE_OUT = profileFile;
  const up = await procs.start('upstream', 'node', [join(bench, 'upstream.mjs')], { cpu: pin ? 0 : undefined, ready: /listening (http\S+)/ });
  const gw = await startGatehouseServe({ ...ctx, gatewayJs: js }, 'gw', `${proxy ? 'proxy-only' : kind}.yaml`, up.match[1], proxy ? ['--proxy-only'] : [],
    { nodeFlags: ['-r', join(bench, 'lib/heap-sampler.cjs')], cpu: pin ? 0 : undefined });
  await runWrk(ctx, { url: gw.url, bodyFile, seconds: Number(env.WARMUP ?? 4), auth: gw.auth });
  process.kill(gw.pid, 'SIGUSR2');
  await sleep(300);
  const r = await runWrk(ctx, { url: gw.url, bodyFile, seconds: Number(env.DUR ?? 4), auth: gw.auth });
  process.kill(gw.pid, 'SIGUSR2');
  await until(profileFile);
  const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
  console.log(`${kind === 'full' ? '' : `${kind}:`}${js} ${mode}: ${r.requests} requests, profile ${profileFile}\n`);
  console.log(summarizeHeap(profile, { root, bundle: js, count: r.requests, unit: 'B/req', top }));
}

main().then(() => procs.stopAll().then(() => process.exit(0)), async (err) => {
  process.stderr.write(`alloc-profile: failed: ${err.stack ?? err}\n`);
  await procs.stopAll();
  process.exit(1);
});
