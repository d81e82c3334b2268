// A/B of gateway builds: proxy CPU per request of each bundle given, in interleaved rounds on one
// mock upstream, next to a minimal node:http proxy as the control (on a busy machine, compare each
// build with the control of the same round rather than with yesterday's numbers).
// Usage: node bench/compare.mjs A/gateway.js B/gateway.js ...   (build one with `node esbuild.config.mjs`
//        and copy dist/gateway.js away before changing the code); a bundle given as proxy:A/gateway.js
//        runs as `serve --proxy-only` whatever PIPELINE says, so one run can give full ÷ proxy only
//        (full:, floor:, floor-shm: likewise pick configs/full.yaml, configs/floor.yaml, and floor.yaml
//        with its data dir on tmpfs: lib/build-spec.mjs).
// Rounds alternate the targets' order (first to last, then last to first): use an even ROUNDS.
// Env: MODE (json-160B | sse-160B | json-4KB | sse-4KB), ROUNDS (4), DUR (3), CONN (10), WARMUP (2 s),
//      PIPELINE (proxy: `serve --proxy-only`; full: configs/full.yaml — identity, policy, masking,
//      the durable audit log — each build with its own data dir and a dev-issuer token it minted),
//      FIRST_BYTE (1: after each target's wrk run, a lone sequential caller, lib/latency-probe.mjs on the
//      load CPU, FIRST_BYTE_N requests (300): its first byte p50 minus direct's measured just before it,
//      and the target's CPU per request meanwhile),
//      AUDIT_STATS (1: the full builds' audit writer over each wrk run from /metrics — records per
//      fdatasync and fdatasyncs per request — and every target's system CPU µs/req, the kernel's
//      share: its writes, and the fdatasyncs' journal commits),
//      COMPARE_JSON (a file: every round's figures per target, as JSON, for bench/floor.mjs).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk } from './lib/load.mjs';
import { modeBodyFile } from './lib/modes.mjs';
import { ProcessGroup } from './lib/processes.mjs';
import { cpuTicks, cpuTicksSplit } from './lib/proc-stats.mjs';
import { parseBuild, startBuild } from './lib/build-spec.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const mode = env.MODE ?? 'json-160B';
const bodyFile = modeBodyFile(mode);
const rounds = Number(env.ROUNDS ?? 4);
const dur = Number(env.DUR ?? 3);
const full = (env.PIPELINE ?? 'proxy') === 'full';
const builds = process.argv.slice(2).map((p) => parseBuild(p, full ? 'full' : 'proxy'));
if (!builds.length) {
  console.error('usage: node bench/compare.mjs BUNDLE_A.js [BUNDLE_B.js ...]');
  process.exit(2);
}
const out = env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-compare`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const pin = availableParallelism() >= 2;
const ctx = { bench, conn: Number(env.CONN ?? 10), procs, loadCpu: pin ? 1 : undefined, customHost: '' };
const cpu = pin ? 0 : undefined;
const ADDR = /^data\s+(http\S+)\s*$/m;
process.on('SIGINT', () => procs.stopAll().then(() => process.exit(130)));

async function main() {
  const up = await procs.start('upstream', 'node', [join(bench, 'upstream.mjs')], { cpu, ready: /listening (http\S+)/ });
  const control = await procs.start('minimal-proxy', 'node', [join(bench, 'lib/minimal-proxy.mjs')], { cpu, env: { UPSTREAM: up.match[1] }, ready: ADDR });
  const targets = [{ name: 'minimal node proxy', pid: control.pid, url: control.match[1] }];
  for (const [i, build] of builds.entries()) {
    const g = await startBuild(procs, { bench, out, i, build, upstream: up.match[1], cpu });
    targets.push({ name: build.label, ...g });
  }
  // A full pipeline keeps a window of 10,000 recent records: warm up past it (WARMUP=8 does at c50).
  for (const t of targets) await runWrk(ctx, { url: t.url + '/v1/chat/completions', bodyFile, seconds: Number(env.WARMUP ?? 2), auth: t.auth });
  const rows = targets.map(() => []);
  for (let r = 1; r <= rounds; r++) {
    // Every other round runs the targets in reverse order: a fixed order favours the later
    // targets (session 8: the same pair of builds read lower in 4 of 6 rounds for whichever ran second).
    const order = r % 2 === 1 ? [...targets.entries()] : [...targets.entries()].reverse();
    for (const [i, t] of order) {
      const w0 = auditStats && t.admin ? await writerCounters(t.admin) : undefined;
      const t0 = cpuTicksSplit(t.pid);
      const res = await runWrk(ctx, { url: t.url + '/v1/chat/completions', bodyFile, seconds: dur, auth: t.auth });
      const t1 = cpuTicksSplit(t.pid);
      if (res.errors) throw new Error(`${t.name}: ${res.errors} failed requests (status or socket errors)`);
      const perReq = (ticks) => ((ticks / 100) * 1e6) / res.requests;
      const row = { us: perReq(t1.user + t1.system - t0.user - t0.system), sysUs: perReq(t1.system - t0.system), rps: res.rps };
      if (w0) {
        const w1 = await writerCounters(t.admin);
        row.perSync = (w1.records - w0.records) / (w1.syncs - w0.syncs);
        row.syncsPerReq = (w1.syncs - w0.syncs) / res.requests;
      }
      if (firstByte) {
        // Direct's own first byte just before each target's: the box's drift within a round stays out.
        const direct = await probe(up.match[1]);
        const c0 = cpuTicks(t.pid);
        row.addedMs = (await probe(t.url, t.auth)) - direct;
        // The lone caller's CPU per request too: a build may buy its latency with CPU (e.g. a thread that spins).
        row.loneUs = ((cpuTicks(t.pid) - c0) / 100) * 1e6 / (firstByteN + 50);
      }
      rows[i].push(row);
    }
    console.error(`round ${r}: ${targets.map((t, i) => `${t.name} ${rows[i][r - 1].us.toFixed(0)} µs${firstByte ? ` +${rows[i][r - 1].addedMs.toFixed(3)} ms` : ''}`).join(', ')}`);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };
  console.log(`\n${full ? 'full pipeline' : 'proxy only'}, ${mode}, wrk -c${ctx.conn}, ${rounds} rounds of ${dur} s, ${pin ? 'servers on CPU 0, wrk on CPU 1' : 'not pinned'}\n`);
  console.log('| build | proxy CPU µs/req per round | median [range] | mean | vs control | req/s mean |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const [i, t] of targets.entries()) {
    const us = rows[i].map((x) => x.us);
    const m = mean(us);
    console.log(`| ${t.name} | ${us.map((x) => x.toFixed(0)).join(', ')} | ${median(us).toFixed(0)} [${Math.min(...us).toFixed(0)}–${Math.max(...us).toFixed(0)}] | ${m.toFixed(0)} | ${(m / mean(rows[0].map((x) => x.us))).toFixed(2)}× | ${mean(rows[i].map((x) => x.rps)).toFixed(0)} |`);
  }
  if (auditStats) {
    console.log('\nsystem CPU per request (the kernel: writes, fdatasyncs) and the audit writer over each wrk run\n');
    console.log('| build | system µs/req, median [range] | records per fdatasync, median [range] | fdatasyncs per request, median |');
    console.log('|---|---:|---:|---:|');
    const mr = (xs) => `${median(xs).toFixed(1)} [${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}]`;
    for (const [i, t] of targets.entries()) {
      const w = t.admin ? [mr(rows[i].map((x) => x.perSync)), median(rows[i].map((x) => x.syncsPerReq)).toFixed(3)] : ['–', '–'];
      console.log(`| ${t.name} | ${mr(rows[i].map((x) => x.sysUs))} | ${w.join(' | ')} |`);
    }
  }
  if (env.COMPARE_JSON) writeFileSync(env.COMPARE_JSON, JSON.stringify({ mode, conn: ctx.conn, rounds, dur, targets: targets.map((t, i) => ({ name: t.name, kind: i ? builds[i - 1].kind : 'control', rows: rows[i] })) }));
  if (!firstByte) return;
  console.log(`\nadded first byte p50, lone sequential caller (${firstByteN} requests per target and round, minus direct's just before), ms\n`);
  console.log('| build | per round | median [range] | its CPU µs/req meanwhile, median [range] |');
  console.log('|---|---|---:|---:|');
  for (const [i, t] of targets.entries()) {
    const ms = rows[i].map((x) => x.addedMs);
    const us = rows[i].map((x) => x.loneUs);
    console.log(`| ${t.name} | ${ms.map((x) => x.toFixed(3)).join(', ')} | ${median(ms).toFixed(3)} [${Math.min(...ms).toFixed(3)}–${Math.max(...ms).toFixed(3)}] | ${median(us).toFixed(0)} [${Math.min(...us).toFixed(0)}–${Math.max(...us).toFixed(0)}] |`);
  }
}

const firstByte = env.FIRST_BYTE === '1';
const auditStats = env.AUDIT_STATS === '1';
/** The audit writer's counters from a full build's /metrics (the scrape's own admin record is one more, negligible). */
async function writerCounters(admin) {
  const text = await (await fetch(admin.url + '/metrics', { headers: { authorization: `Bearer ${admin.token}` } })).text();
  const counter = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { records: counter('gatehouse_audit_records_total'), syncs: counter('gatehouse_audit_syncs_total') };
}
const firstByteN = Number(env.FIRST_BYTE_N ?? 300);
/** A lone sequential caller's first byte p50 (ms) at `base`, from the load CPU. */
async function probe(base, auth) {
  const args = [join(bench, 'lib/latency-probe.mjs'), base + '/v1/chat/completions', bodyFile, String(firstByteN), '50'];
  const r = await procs.run('node', args, { cpu: ctx.loadCpu, env: { AUTH: auth ?? 'sk-dummy' } });
  if (r.code !== 0) throw new Error(`latency probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout).ttfb_p50_ms;
}

main().then(() => procs.stopAll().then(() => process.exit(0)), async (err) => {
  console.error(`compare: failed: ${err.stack ?? err}`);
  await procs.stopAll();
  process.exit(1);
});
