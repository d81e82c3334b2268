// Whole requests in one process, for an instruction count of the gateway's own structure (issue 23):
// the gateway (built by createGateway from a bench config, as `serve` builds it) and its client in
// this process, the mock upstream (bench/upstream.mjs) in a child that callgrind does not follow.
// After `--warmup` requests it asks callgrind to dump and zero its counters (callgrind_control -d),
// then runs `--requests` more and exits at once: the dump at exit counts those requests only (and
// the client's share, the same for both sides of an A/B). Without callgrind it prints CPU µs per
// request. The data dir is on tmpfs, so fdatasync returns at once: the disk is out, its CPU is not.
// Bundle it per tree (the A/B's two sides):
//   npx esbuild bench/micro/request-loop.ts --bundle --platform=node --format=cjs --loader:.yaml=text \
//     --loader:.sql=text --define:import.meta.url=importMetaUrl \
//     --banner:js="const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" \
//     --outfile=bench/results/loop-A.js
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/<name>-cg.%p node --single-threaded \
//     bench/results/loop-A.js --config floor --mode json-160B --warmup 2000 --requests 2000
// and compare the `summary:` line of the second dump file (the one written at exit).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../gateway/config/load-config';
import { openDevIssuer } from '../../gateway/identity/dev-issuer';
import { silentLogger } from '../../gateway/log';
import { createGateway } from '../../gateway/server/create-gateway';

const argv = process.argv;
const arg = (name: string, dflt: string) => (argv.indexOf(`--${name}`) > 0 ? argv[argv.indexOf(`--${name}`) + 1]! : dflt);
const bench = resolve(arg('bench', join(process.cwd(), 'bench')));
const configName = arg('config', 'floor');
const mode = arg('mode', 'json-160B');
const warmup = Number(arg('warmup', '2000'));
const requests = Number(arg('requests', '2000'));
const inFlight = Number(arg('conn', '8'));
const underCallgrind = /valgrind/.test(process.env.LD_PRELOAD ?? '') || process.env.REQUEST_LOOP_CALLGRIND === '1';

async function main(): Promise<void> {
  const up = spawn('node', [join(bench, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const upstream = await new Promise<string>((ok, fail) => {
    let text = '';
    up.stdout!.on('data', (d: Buffer) => {
      text += d;
      const m = /listening (http\S+)/.exec(text);
      if (m) ok(m[1]!);
    });
    up.on('exit', () => fail(new Error('the mock upstream exited')));
  });
  const dataDir = mkdtempSync('/dev/shm/gatehouse-request-loop-');
  process.on('exit', () => {
    up.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const configFile = join(dataDir, 'config.yaml');
  const template = readFileSync(join(bench, 'configs', `${configName}.yaml`), 'utf8');
  // A request under callgrind takes ≈ 50× longer: no 408 for a slow one.
  const text = template.replaceAll('__UPSTREAM_URL__', upstream).replaceAll('__DATA_DIR__', dataDir).replaceAll('__BENCH__', bench).replace(/^server:\n/m, 'server:\n  requestTimeoutMs: 3600000\n');
  writeFileSync(configFile, text);
  process.env.BENCH_UPSTREAM_KEY = 'sk-upstream-bench';
  const loaded = await loadConfig(configFile, { port: 0, adminPort: 0 });
  const gateway = await createGateway(loaded, silentLogger, { proxyOnly: configName === 'proxy-only' });
  const dev = await openDevIssuer(dataDir, loaded.config.identity?.devIssuer);
  const token = await dev.mint({ sub: 'bench-agent', groups: ['agents'], ttl: 3600 });
  const body = readFileSync(join(bench, 'bodies', mode.startsWith('sse') ? `chat-${mode.slice(4)}-stream.json` : `chat-${mode.slice(5)}.json`));
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const url = new URL('/v1/chat/completions', gateway.dataUrl);
  const one = () =>
    new Promise<void>((ok, fail) => {
      const req = request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        if (res.statusCode !== 200) fail(new Error(`status ${res.statusCode}`));
        res.on('data', () => undefined);
        res.on('end', ok);
      });
      req.on('error', fail);
      req.end(body);
    });
  const run = async (n: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next++ < n) await one();
    }));
  };
  await run(warmup);
  // The measured part starts from a collected heap (node --expose-gc): whether a full collection
  // falls inside it or not is then the same for both sides of an A/B.
  (globalThis as { gc?: () => void }).gc?.();
  if (underCallgrind) await new Promise<void>((ok, fail) => execFile('callgrind_control', ['-d', String(process.pid)], (err) => (err ? fail(err) : ok())));
  const c0 = process.cpuUsage();
  // On a --cpu-prof profile's clock (µs, CLOCK_MONOTONIC), for reading the measured part alone.
  const from = process.hrtime.bigint() / 1000n;
  await run(requests);
  const to = process.hrtime.bigint() / 1000n;
  const c = process.cpuUsage(c0);
  console.log(`${configName} ${mode}: ${requests} requests, ${((c.user + c.system) / requests).toFixed(1)} µs CPU per request (gateway and client), measured from ${from} to ${to} µs`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
