// Where a lone caller's first byte goes (issue 23): the full pipeline (bench config: dev-issuer
// token, bench policy, masking, durable audit with group commit) runs in this process, the mock
// upstream and a sequential probe (lib/latency-probe.mjs, one request in flight) in others, and
// each request's moments are stamped with process.hrtime: the request's start
// (http.server.request.start), the runtime's services as the stages call them (identity, policy,
// masking, the arrival and outcome records: call and settle), the audit segment's write and
// fdatasync, undici's request create / headers sent / body sent / response headers / first body chunk, the first
// byte written to the client, the response's end. Medians over the probe's requests, each moment
// from the start and as a step from the moment before it. Wall-clock steps: on a loaded box they
// include time the process waited for a CPU.
// Run: taskset -c 0 node --require ./scripts/register-text-loaders.cjs --import tsx bench/first-byte-stages.ts
// Env: MODE (json-160B | sse-160B | json-4KB | sse-4KB, or a big prompt: json-64KB ... sse-4MB,
//      made by lib/big-bodies.mjs), N (400 after 100 warm-up; a big prompt 60 after 10), UP_CPU (the
//      mock upstream's CPU, 0 as in `npm run bench`: then the upstream's work lands inside the
//      gateway's steps whenever it preempts the gateway on their shared core; 1 keeps it apart).
import { spawn } from 'node:child_process';
import dc from 'node:diagnostics_channel';
import fs from 'node:fs';
import { ServerResponse } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../test/helpers/gateway';
// @ts-expect-error a plain ES module of the bench
import { bigChatBody, bigSizes } from './lib/big-bodies.mjs';
// @ts-expect-error a plain ES module of the bench
import { modeBodyFile } from './lib/modes.mjs';

const bench = __dirname;
const mode = process.env.MODE ?? 'json-160B';
const big = /^(json|sse)-(64KB|1MB|4MB)$/.exec(mode);
const body = big ? join(fs.mkdtempSync(join(tmpdir(), 'first-byte-')), `${mode}.json`) : modeBodyFile(mode);
if (big) fs.writeFileSync(body, bigChatBody(bigSizes[big[2]!], big[1] === 'sse'));
const n = Number(process.env.N ?? (big ? 60 : 400));
const warmup = big ? 10 : 100;

const now = () => process.hrtime.bigint();
type Moments = Record<string, bigint>;
const requests: Moments[] = [];
// One request in flight at a time: the moments go to the latest request.
let cur: Moments = {};
/** The latest request's client connection (its bytes going out stamp `firstSent`). */
let curSocket: net.Socket | undefined;
/** Stamps `name` once per request (`name2` the second time, e.g. the outcome record's write after the arrival's). */
const stamp = (name: string, m = cur) => {
  const k = m[name] === undefined ? name : `${name}2`;
  m[k] ??= now();
};

dc.subscribe('http.server.request.start', (msg) => {
  const m = (cur = { start: now() });
  requests.push(m);
  curSocket = (msg as { socket: net.Socket }).socket;
  // The body's last byte read (a big prompt's arrival takes a while).
  (msg as { request: NodeJS.EventEmitter }).request.once('end', () => stamp('bodyEnd', m));
});
dc.subscribe('undici:request:create', () => stamp('upCreate'));
dc.subscribe('undici:client:sendHeaders', () => stamp('upSendHeaders'));
dc.subscribe('undici:request:bodySent', () => stamp('upBodySent'));
dc.subscribe('undici:request:headers', () => stamp('upHeaders'));
dc.subscribe('undici:request:bodyChunkReceived', () => (cur.upData ??= now()));
dc.subscribe('http.server.response.finish', () => stamp('end'));
// The segment's write and fdatasync (gateway/audit/group-commit.ts calls them through the fs module object).
const writeSync = fs.writeSync;
fs.writeSync = ((...a: Parameters<typeof fs.writeSync>) => {
  const m = cur;
  stamp('writeStart', m);
  const out = writeSync(...a);
  stamp('writeEnd', m);
  return out;
}) as typeof fs.writeSync;
const fdatasync = fs.fdatasync;
fs.fdatasync = ((fd: number, cb: fs.NoParamCallback) => {
  const m = cur;
  stamp('syncStart', m);
  fdatasync(fd, (err) => {
    stamp('syncEnd', m);
    cb(err);
  });
}) as typeof fs.fdatasync;
// The first byte the client is sent.
for (const method of ['write', 'end'] as const) {
  const original = ServerResponse.prototype[method] as (...a: unknown[]) => unknown;
  (ServerResponse.prototype as unknown as Record<string, unknown>)[method] = function (this: ServerResponse, ...a: unknown[]) {
    if ((a[0] as { length?: number } | undefined)?.length) cur.firstWrite ??= now();
    return original.apply(this, a);
  };
}

// The response's first bytes handed to the kernel: Node writes a response's socket when it uncorks
// it, on a tick after res.write (what runs on the tick before that delays them).
const writeGeneric = (net.Socket.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)._writeGeneric!;
(net.Socket.prototype as unknown as Record<string, unknown>)._writeGeneric = function (this: net.Socket, ...a: unknown[]) {
  if (this === curSocket && cur.firstWrite !== undefined) cur.firstSent ??= now();
  return writeGeneric.apply(this, a);
};

/** Wraps a service method: `called` when a stage calls it, `settled` when what it returns settles. */
function watch(service: Record<string, unknown>, method: string, called: string, settled: string): void {
  const f = (service[method] as (...a: unknown[]) => unknown).bind(service);
  service[method] = (...a: unknown[]) => {
    const m = cur;
    stamp(called, m);
    const r = f(...a);
    if (r instanceof Promise) r.then(() => stamp(settled, m), () => undefined);
    else stamp(settled, m);
    return r;
  };
}

function run(cpu: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const c = spawn('taskset', ['-c', cpu, 'node', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', () => resolve(out));
  });
}

async function main(): Promise<void> {
  const upstream = spawn('taskset', ['-c', process.env.UP_CPU ?? '0', 'node', join(bench, 'upstream.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const upstreamUrl = await new Promise<string>((resolve) => upstream.stdout.on('data', (d) => {
      const m = /listening (http\S+)/.exec(String(d));
      if (m) resolve(m[1]!);
    }));
    process.env.BENCH_UPSTREAM_KEY = 'sk-upstream-bench';
    const gw = await startGateway({
      upstreams: [{ name: 'mock', url: upstreamUrl, auth: { secret: { env: 'BENCH_UPSTREAM_KEY' } } }],
      identity: { devIssuer: { enabled: true } },
      policy: { paths: [join(bench, 'configs/bench.policy.yaml')], watch: false },
      audit: { groupCommitMaxDelayMs: 0 },
    });
    try {
      const rt = gw.runtime as unknown as Record<string, Record<string, unknown>>;
      watch(rt.identity!, 'verify', 'identity', 'identityDone');
      watch(rt.policy!, 'decide', 'policy', 'policyDone');
      watch(rt.masking!, 'maskRequest', 'mask', 'maskDone');
      watch(rt.audit!, 'arrival', 'arrival', 'arrivalDurable');
      watch(rt.audit!, 'outcome', 'outcome', 'outcomeDurable');
      const token = await gw.token({ sub: 'bench-agent', groups: ['agents'] });
      const probe = (url: string, env?: Record<string, string>) => run('1', [join(bench, 'lib/latency-probe.mjs'), url, body, String(n), String(warmup)], env).then((o) => JSON.parse(o));
      const direct = await probe(`${upstreamUrl}/v1/chat/completions`);
      requests.length = 0;
      const full = await probe(`${gw.dataUrl}/v1/chat/completions`, { AUTH: token });
      report(requests.slice(warmup), direct, full);
    } finally {
      await gw.close();
    }
  } finally {
    upstream.kill();
  }
}

function report(rs: Moments[], direct: { ttfb_p50_ms: number }, full: { ttfb_p50_ms: number }): void {
  const order = ['bodyEnd', 'identity', 'identityDone', 'policy', 'policyDone', 'mask', 'maskDone', 'arrival', 'writeStart', 'writeEnd', 'syncStart', 'syncEnd', 'arrivalDurable',
    'upCreate', 'upSendHeaders', 'upBodySent', 'upHeaders', 'upData', 'firstWrite', 'firstSent', 'outcome', 'writeStart2', 'writeEnd2', 'syncStart2', 'syncEnd2', 'outcomeDurable', 'end'];
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  console.log(`${mode}, ${rs.length} requests: probe first byte p50 direct ${direct.ttfb_p50_ms} ms, full ${full.ttfb_p50_ms} ms (added ${(full.ttfb_p50_ms - direct.ttfb_p50_ms).toFixed(3)} ms)`);
  console.log('moment            ms from start, median [p10–p90]   step from the moment before, median');
  let prev = 'start';
  for (const k of order) {
    const have = rs.filter((r) => r[k] !== undefined && r[prev] !== undefined);
    if (have.length === 0) continue;
    const at = have.map((r) => Number(r[k]! - r.start!) / 1e6);
    const step = have.map((r) => Number(r[k]! - r[prev]!) / 1e6);
    console.log(`  ${k.padEnd(15)} ${pct(at, 50).toFixed(3)} [${pct(at, 10).toFixed(3)}–${pct(at, 90).toFixed(3)}]   ${pct(step, 50).toFixed(3)}`);
    prev = k;
  }
  // A sequential caller sends its next request as soon as a response ends: what the gateway still
  // does after a response's end (and anything else its event loop has queued) delays the next start.
  const gaps = rs.slice(1).flatMap((r, i) => (rs[i]!.end !== undefined ? [Number(r.start! - rs[i]!.end!) / 1e6] : []));
  console.log(`  from a response's end to the next request's start: ${pct(gaps, 50).toFixed(3)} [${pct(gaps, 10).toFixed(3)}–${pct(gaps, 90).toFixed(3)}] ms`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
