// What a refusal costs: 401s (a malformed bearer token) against gateway bundles with the full
// pipeline (configs/full.yaml), in interleaved rounds. Per bundle and round: a sequential probe
// (one request in flight on one keep-alive connection: the latency a refused client sees) and a
// concurrent load (CONN connections, DUR s: refusals/s and the gateway's CPU µs per refusal, from
// /proc). Each bundle gets a fresh data dir on the same disk (the results folder).
// Usage: node bench/refusals.mjs A/gateway.js[::AUDIT_YAML] B/gateway.js[::AUDIT_YAML] ...
//   AUDIT_YAML is added under `audit:` for that bundle, e.g. '{authFailureRecords: {perSource: 1000000}}'
//   to measure durable refusals one record each, without the flood summary.
// Env: ROUNDS (3), DUR (3), CONN (20), N (300 sequential probes per round).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessGroup } from './lib/processes.mjs';
import { concurrent, median, sequential } from './lib/request-cost.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const builds = process.argv.slice(2).map((arg) => {
  const [path, extra] = arg.split('::');
  return { path: resolve(path), extra };
});
if (!builds.length) {
  console.error('usage: node bench/refusals.mjs BUNDLE_A.js[::AUDIT_YAML] [BUNDLE_B.js ...]');
  process.exit(2);
}
const rounds = Number(env.ROUNDS ?? 3);
const dur = Number(env.DUR ?? 3);
const conn = Number(env.CONN ?? 20);
const probes = Number(env.N ?? 300);
const out = join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-refusals`);
mkdirSync(join(out, 'logs'), { recursive: true });
const procs = new ProcessGroup(join(out, 'logs'), env.BENCH_PIDFILE);
const ADDR = /^data\s+(http\S+)\s*$/m;
const body = readFileSync(join(bench, 'bodies', 'chat-160B.json'));
process.on('SIGINT', () => procs.stopAll().then(() => process.exit(130)));

const refusal = { auth: 'not-a-token', expect: 401 };

async function main() {
  const up = await procs.start('upstream', 'node', [join(bench, 'upstream.mjs')], { ready: /listening (http\S+)/ });
  const targets = [];
  for (const [i, b] of builds.entries()) {
    const config = join(out, `full-${i}.yaml`);
    let text = readFileSync(join(bench, 'configs/full.yaml'), 'utf8').replaceAll('__UPSTREAM_URL__', up.match[1]).replaceAll('__DATA_DIR__', join(out, `data-${i}`)).replaceAll('__BENCH__', bench);
    if (b.extra) text = text.replace(/^audit:\n/m, `audit:\n  ${b.extra.replace(/^\{|\}$/g, '').trim()}\n`);
    writeFileSync(config, text);
    const g = await procs.start(`build-${i}`, 'node', [b.path, 'serve', '--config', config, '--port', '0', '--admin-port', '0'], { env: { BENCH_UPSTREAM_KEY: 'sk-upstream-bench' }, ready: ADDR });
    targets.push({ name: `${basename(dirname(b.path))}/${basename(b.path)}${b.extra ? ' ' + b.extra : ''}`, pid: g.pid, url: g.match[1] + '/v1/chat/completions' });
  }
  const load = { conn, dur };
  for (const t of targets) await concurrent(t.url, t.pid, body, refusal, load); // warm-up
  const rows = targets.map(() => []);
  for (let r = 1; r <= rounds; r++) {
    for (const [i, t] of targets.entries()) rows[i].push({ ...(await sequential(t.url, body, refusal, probes)), ...(await concurrent(t.url, t.pid, body, refusal, load)) });
    console.error(`round ${r}: ${targets.map((t, i) => `${t.name} p50 ${rows[i][r - 1].p50.toFixed(3)} ms, ${rows[i][r - 1].usPerReq.toFixed(0)} µs/req`).join('; ')}`);
  }
  console.log(`\n401 refusals, ${rounds} rounds: sequential ${probes} on one connection; concurrent ${conn} connections × ${dur} s (medians over rounds)\n`);
  console.log('| build | sequential p50 ms | p99 ms | concurrent refusals/s | gateway CPU µs/refusal |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [i, t] of targets.entries()) {
    const col = (k) => median(rows[i].map((x) => x[k]));
    console.log(`| ${t.name} | ${col('p50').toFixed(3)} | ${col('p99').toFixed(3)} | ${col('rps').toFixed(0)} | ${col('usPerReq').toFixed(0)} |`);
  }
}

main().then(() => procs.stopAll().then(() => process.exit(0)), async (err) => {
  console.error(`refusals: failed: ${err.stack ?? err}`);
  await procs.stopAll();
  process.exit(1);
});
