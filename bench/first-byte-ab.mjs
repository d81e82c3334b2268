// A/B of a lone caller's first byte, request by request: every bundle given runs the full
// pipeline (configs/full.yaml, its own data dir, a dev-issuer token it minted; `proxy:` ones
// configs/proxy-only.yaml with --proxy-only) beside the mock
// upstream on CPU 0, and one sequential caller on CPU 1 sends its requests to direct (the mock),
// A, B, ... in turn, the order rotating by request. Each build's request is paired with direct's
// just before it, so a load that moves by the millisecond on a shared box (other engineers'
// suites) moves all targets alike; compare.mjs's FIRST_BYTE rounds run a target for seconds
// apart and cannot resolve a few tens of µs at load 5+.
// Usage: node bench/first-byte-ab.mjs A/gateway.js B/gateway.js ...   (proxy:A/gateway.js runs that
//        bundle as `serve --proxy-only`, so one run can also give full − proxy only; floor: and
//        floor-shm: run configs/floor.yaml, the second on tmpfs: lib/build-spec.mjs)
// Env: MODE (json-160B | sse-160B | json-4KB | sse-4KB, or a big prompt: json-64KB ... sse-4MB,
//      made by lib/big-bodies.mjs), N (2000 requests per target after 200 warm-up; a big prompt
//      300 after 20), BLOCKS (6: the p50s are also given per block of N/BLOCKS, for a range),
//      AB_JSON (a file: each target's added p50 and its B − A against the first bundle, as JSON).
// Prints, per target, the first byte p50 minus direct's (whole run, and per block), and the
// median of its requests' first byte minus the first bundle's request of the same turn (whole
// run, and the range of the per-block medians).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { bigChatBody, bigSizes } from './lib/big-bodies.mjs';
import { parseBuild, startBuild } from './lib/build-spec.mjs';
import { modeBodyFile } from './lib/modes.mjs';
import { ProcessGroup } from './lib/processes.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const bundles = process.argv.slice(2).map((p) => parseBuild(p, 'full'));
if (!bundles.length) {
  console.error('usage: node bench/first-byte-ab.mjs BUNDLE_A.js [BUNDLE_B.js ...]');
  process.exit(2);
}
const mode = env.MODE ?? 'json-160B';
const big = /^(json|sse)-(64KB|1MB|4MB)$/.exec(mode);
const body = big ? Buffer.from(bigChatBody(bigSizes[big[2]], big[1] === 'sse')) : readFileSync(modeBodyFile(mode));
const n = Number(env.N ?? (big ? 300 : 2000));
const blocks = Number(env.BLOCKS ?? 6);
const warmup = big ? 20 : 200;
const out = env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-first-byte-ab`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const pin = availableParallelism() >= 2;
const cpu = pin ? 0 : undefined;
process.on('SIGINT', () => procs.stopAll().then(() => process.exit(130)));

/** One request over the target's own keep-alive connection: ms to the first body byte. */
function once(t) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let first;
    const req = http.request({ host: t.url.hostname, port: t.url.port, path: '/v1/chat/completions', method: 'POST', agent: t.agent, headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${t.auth ?? 'sk-dummy'}` } }, (res) => {
      res.on('data', () => { first ??= process.hrtime.bigint(); });
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(first - t0) / 1e6) : reject(new Error(`${t.name}: status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };

async function main() {
  const up = await procs.start('upstream', 'node', [join(bench, 'upstream.mjs')], { cpu, ready: /listening (http\S+)/ });
  const targets = [{ name: 'direct', url: new URL(up.match[1]) }];
  for (const [i, build] of bundles.entries()) {
    const g = await startBuild(procs, { bench, out, i, build, upstream: up.match[1], cpu });
    targets.push({ name: build.label, url: new URL(g.url), auth: g.auth });
  }
  for (const t of targets) t.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // The caller on the load CPU, as lib/latency-probe.mjs runs in compare.mjs.
  if (pin) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]);
  const ms = targets.map(() => []);
  for (let i = 0; i < warmup + n; i++) {
    // Direct first, then the builds in an order that rotates by request: none is always right after direct.
    const builds = targets.slice(1);
    const k = i % builds.length;
    const order = [targets[0], ...builds.slice(k), ...builds.slice(0, k)];
    for (const t of order) {
      const v = await once(t);
      if (i >= warmup) ms[targets.indexOf(t)].push(v);
    }
  }
  const size = Math.floor(n / blocks);
  const block = (xs, b) => xs.slice(b * size, (b + 1) * size);
  const added = (i, b) => median(block(ms[i], b)) - median(block(ms[0], b));
  console.log(`\n${mode}, ${n} requests per target interleaved request by request (after ${warmup}), servers on CPU ${cpu ?? '-'}, caller on CPU 1\n`);
  console.log('| target | first byte p50 ms | added over direct | added per block | B − A, request by request: median, per block [range] |');
  console.log('|---|---:|---:|---|---:|');
  const json = [];
  for (const [i, t] of targets.entries()) {
    const perBlock = Array.from({ length: blocks }, (_, b) => added(i, b));
    // Each request against the first bundle's request of the same turn.
    const pairs = ms[i].map((v, j) => v - ms[1][j]);
    const perBlockPairs = Array.from({ length: blocks }, (_, b) => median(block(pairs, b)));
    const d = i > 1 ? `${median(pairs).toFixed(3)} [${Math.min(...perBlockPairs).toFixed(3)}–${Math.max(...perBlockPairs).toFixed(3)}]` : '';
    console.log(`| ${t.name} | ${median(ms[i]).toFixed(3)} | ${i ? (median(ms[i]) - median(ms[0])).toFixed(3) : ''} | ${i ? perBlock.map((x) => x.toFixed(3)).join(', ') : ''} | ${d} |`);
    json.push({ name: t.name, kind: i ? bundles[i - 1].kind : 'direct', p50: median(ms[i]), added: median(ms[i]) - median(ms[0]), addedPerBlock: perBlock, vsFirst: median(pairs), vsFirstPerBlock: perBlockPairs });
  }
  if (env.AB_JSON) writeFileSync(env.AB_JSON, JSON.stringify({ mode, n, targets: json }));
}

main().then(() => procs.stopAll().then(() => process.exit(0)), async (err) => {
  console.error(`first-byte-ab: failed: ${err.stack ?? err}`);
  await procs.stopAll();
  process.exit(1);
});
