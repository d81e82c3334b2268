// What the full pipeline's guarantees cost at the least, against issue 23's targets (ratio ≤ 1.6×
// proxy only's CPU, ≤ 0.2× Portkey's; added first byte ≤ proxy only's + the disk's fdatasync p50
// + 0.2 ms). Per mode, on one bundle, in one run:
//  1. the durable record alone: compare.mjs at CONN with proxy only, the full pipeline, `floor`
//     (configs/floor.yaml: identity, the least policy, no masking, the durable audit log) and
//     `floor-shm` (the same on tmpfs: the disk's part out), interleaved rounds, each target's CPU
//     and system CPU per request; then first-byte-ab.mjs with the same four, a lone caller,
//     request by request against proxy only;
//  2. each mandatory part's least cost in a warm in-process loop (floor-parts.ts);
//  3. the kernel's part that cannot go: floor's system CPU per request minus floor-shm's (the
//     group commit's fdatasyncs and their page writeback; the writes themselves stay in both);
//  4. the table: allowance, each floor, their sum, the verdict.
// The allowances take proxy only from this run and Portkey from an `npm run bench` results file.
// Usage: node bench/floor.mjs [BUNDLE.js]   (default dist/gateway.js, with dist/tokenizer.js beside it);
//        node bench/floor.mjs --summary OUT/floor.json   (the tables again from a run's figures)
// Env: MODES (the four), ROUNDS (6, even), DUR (3 s), CONN (50), WARMUP (10 s), N (1200 lone-caller
//      requests per target), PARTS_ROUNDS (9), PARTS_MS (200), PORTKEY_FROM (results.json; default
//      the newest bench/results/*/results.json with Portkey in it), BENCH_OUT.
// Writes floor.json and summary.md into BENCH_OUT (or bench/results/<time>-floor).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fdatasyncLatency } from './lib/disk-sync.mjs';
import { modes as allModes } from './lib/modes.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const bundle = resolve(process.argv[2] === '--summary' ? '' : process.argv[2] ?? join(bench, '..', 'dist', 'gateway.js'));
const modes = (env.MODES ?? allModes.join(' ')).split(/[\s,]+/).filter(Boolean);
const out = process.argv[2] === '--summary' ? dirname(resolve(process.argv[3])) : env.BENCH_OUT ?? join(bench, 'results', `${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-floor`);
mkdirSync(out, { recursive: true });
const load = () => loadavg()[0].toFixed(1);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2; };
const spread = (xs) => ({ med: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
const f0 = (v) => v.toFixed(0);
const fr = (r, f = f0) => `${f(r.med)} [${f(r.min)}–${f(r.max)}]`;
const ms3 = (v) => v.toFixed(3);

/** Runs a child to its end with its output in `log`; rejects on a non-zero exit. */
function run(cmd, args, extraEnv, log) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => { text += d; process.stderr.write(d); });
    child.on('exit', (code) => {
      writeFileSync(log, text);
      code === 0 ? ok(text) : fail(new Error(`${cmd} ${args.join(' ')}: exit ${code} (see ${log})`));
    });
  });
}

/** Portkey's and proxy only's CPU µs per request by mode from an `npm run bench` results file (a quiet run's, when it was quiet). */
function resultsFigures(file = env.PORTKEY_FROM) {
  if (!file) {
    const dir = join(bench, 'results');
    const runs = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'results.json'))).sort().reverse() : [];
    file = runs.map((d) => join(dir, d, 'results.json')).find((f) => JSON.parse(readFileSync(f, 'utf8')).cells?.some((c) => c.target === 'portkey' && c.proxy_us_per_req));
    if (!file) throw new Error('no results file with Portkey in bench/results: give one as PORTKEY_FROM=…/results.json');
  }
  const cells = JSON.parse(readFileSync(file, 'utf8')).cells.filter((c) => c.proxy_us_per_req);
  const of = (target, mode) => median(cells.filter((c) => c.target === target && c.mode === mode).map((c) => c.proxy_us_per_req));
  const results = JSON.parse(readFileSync(file, 'utf8'));
  return { file, portkey: (mode) => of('portkey', mode), proxy: (mode) => of('gatehouse-proxy', mode), fsync: results.diskSync?.preallocated?.p50_ms };
}

async function main() {
  const given = resultsFigures();
  // The disk's fdatasync p50 moves with the box's load: taken around each lone-caller run, as well as from the results file.
  const fsyncP50 = () => fdatasyncLatency(out, 200).preallocated.p50_ms;
  const builds = ['proxy', 'full', 'floor', 'floor-shm'].map((k) => `${k}:${bundle}`);
  const loads = [`start ${load()}`];
  // 2. The parts in process (one child for all modes: the services are built once).
  const parts = JSON.parse((await run('node', ['--require', join(bench, '..', 'scripts/register-text-loaders.cjs'), '--import', 'tsx', join(bench, 'floor-parts.ts'), '--json', '--modes', modes.join(','), '--rounds', env.PARTS_ROUNDS ?? '9', '--ms', env.PARTS_MS ?? '200'], {}, join(out, 'parts.log'))).trim().split('\n').at(-1));
  loads.push(`after the parts ${load()}`);
  const perMode = {};
  for (const mode of modes) {
    // 1 and 3. The four targets under load, interleaved by round.
    const cmpFile = join(out, `compare-${mode}.json`);
    await run('node', [join(bench, 'compare.mjs'), ...builds], { MODE: mode, PIPELINE: 'full', AUDIT_STATS: '1', CONN: env.CONN ?? '50', ROUNDS: env.ROUNDS ?? '6', DUR: env.DUR ?? '3', WARMUP: env.WARMUP ?? '10', COMPARE_JSON: cmpFile, BENCH_OUT: join(out, `compare-${mode}`) }, join(out, `compare-${mode}.log`));
    loads.push(`${mode} under load ${load()}`);
    // A lone caller, request by request against proxy only.
    const abFile = join(out, `first-byte-${mode}.json`);
    const fsyncBefore = fsyncP50();
    await run('node', [join(bench, 'first-byte-ab.mjs'), ...builds], { MODE: mode, N: env.N ?? '1200', AB_JSON: abFile, BENCH_OUT: join(out, `first-byte-${mode}`) }, join(out, `first-byte-${mode}.log`));
    loads.push(`${mode} lone caller ${load()}`);
    const fsync = [fsyncBefore, fsyncP50()];
    const cmp = JSON.parse(readFileSync(cmpFile, 'utf8'));
    const ab = JSON.parse(readFileSync(abFile, 'utf8'));
    const rows = (kind) => cmp.targets.find((t) => t.kind === kind).rows;
    const cpu = (kind) => spread(rows(kind).map((r) => r.us));
    const sys = (kind) => spread(rows(kind).map((r) => r.sysUs));
    // Round by round, so a round's drift moves both sides of a difference alike.
    const diff = (a, b, key = 'us') => spread(rows(a).map((r, i) => r[key] - rows(b)[i][key]));
    const fb = (kind) => ab.targets.find((t) => t.kind === kind);
    const vsProxy = (kind) => ({ med: fb(kind).vsFirst, min: Math.min(...fb(kind).vsFirstPerBlock), max: Math.max(...fb(kind).vsFirstPerBlock) });
    const part = (id) => parts.find((p) => p.mode === mode && p.part === id);
    perMode[mode] = {
      cpu: { proxy: cpu('proxy'), full: cpu('full'), floor: cpu('floor'), floorShm: cpu('floor-shm') },
      sys: { proxy: sys('proxy'), full: sys('full'), floor: sys('floor'), floorShm: sys('floor-shm') },
      extra: { full: diff('full', 'proxy'), floor: diff('floor', 'proxy'), floorShm: diff('floor-shm', 'proxy'), disk: diff('floor', 'floor-shm'), diskSys: diff('floor', 'floor-shm', 'sysUs') },
      syncsPerReq: median(rows('floor').map((r) => r.syncsPerReq)), recordsPerSync: median(rows('floor').map((r) => r.perSync)),
      firstByte: { proxy: spread(fb('proxy').addedPerBlock), full: vsProxy('full'), floor: vsProxy('floor'), floorShm: vsProxy('floor-shm') },
      parts: Object.fromEntries(['verify', 'parse', 'policy', 'mask', 'arrival', 'records', 'answer-mask', 'answer'].map((id) => [id, part(id)])),
      portkey: given.portkey(mode), givenProxy: given.proxy(mode), fsync, givenFsync: given.fsync,
    };
  }
  const result = { bundle, load: loads, portkeyFrom: given.file, modes: perMode };
  writeFileSync(join(out, 'floor.json'), JSON.stringify(result, null, 2));
  const text = summary(result);
  writeFileSync(join(out, 'summary.md'), text);
  console.log(text);
}

/** The tables: per mode, the allowances, each floor, their sum and the verdict. */
function summary({ load: loads, portkeyFrom, modes: perMode }) {
  const lines = [`load (1 min): ${loads.join(', ')}; proxy only's, Portkey's CPU and the quiet disk's fdatasync p50 from ${portkeyFrom}`, ''];
  const verdict = (sum, allowance) => (sum.med <= allowance ? `fits, ${f0(allowance - sum.med)} µs to spare` : `does not fit: ${f0(sum.med - allowance)} µs over (${(sum.med / allowance).toFixed(1)}× the allowance)`);
  const sumOf = (rs) => ({ med: rs.reduce((a, r) => a + r.us, 0), min: rs.reduce((a, r) => a + r.min, 0), max: rs.reduce((a, r) => a + r.max, 0) });
  const plus = (a, b) => ({ med: a.med + b.med, min: a.min + b.min, max: a.max + b.max });
  lines.push('**CPU µs per request** (under load: compare.mjs rounds, median [range]; parts: in-process quiet loop, median [range] over rounds)', '');
  lines.push(`| | ${Object.keys(perMode).join(' | ')} |`, `|---|${Object.keys(perMode).map(() => '---:').join('|')}|`);
  const row = (name, f) => lines.push(`| ${name} | ${Object.values(perMode).map(f).join(' | ')} |`);
  // The answer's masking, not its usage read: the usage is a feature (usage.estimate none, includeStreamUsage false).
  const floorSum = (m) => plus(sumOf(['verify', 'parse', 'policy', 'mask', 'records', 'answer-mask'].map((id) => m.parts[id])), m.extra.diskSys);
  row('proxy only', (m) => fr(m.cpu.proxy));
  row('full pipeline', (m) => fr(m.cpu.full));
  row('floor (the least config)', (m) => fr(m.cpu.floor));
  row('floor on tmpfs', (m) => fr(m.cpu.floorShm));
  row('results file: proxy only, Portkey', (m) => `${f0(m.givenProxy)}, ${f0(m.portkey)}`);
  row('**allowance, 1.6×**: 0.6 × proxy only (this run; results file)', (m) => `${f0(0.6 * m.cpu.proxy.med)}; ${f0(0.6 * m.givenProxy)}`);
  row('**allowance, 0.2× Portkey**: 0.2 × Portkey − proxy only (results file)', (m) => f0(0.2 * m.portkey - m.givenProxy));
  for (const id of ['verify', 'parse', 'policy', 'mask', 'records', 'answer-mask']) row(`floor: ${Object.values(perMode)[0].parts[id].label}`, (m) => fr({ med: m.parts[id].us, min: m.parts[id].min, max: m.parts[id].max }, (v) => v.toFixed(1)));
  row('floor: the disk\'s kernel part (system CPU, floor − floor on tmpfs, by round)', (m) => fr(m.extra.diskSys));
  row('**sum of the floors**', (m) => `**${fr(floorSum(m))}**`);
  row('verdict, 1.6× (this run\'s proxy only)', (m) => verdict(floorSum(m), 0.6 * m.cpu.proxy.med));
  row('verdict, 1.6× (results file\'s proxy only)', (m) => verdict(floorSum(m), 0.6 * m.givenProxy));
  row('verdict, 0.2× Portkey (results file)', (m) => verdict(floorSum(m), 0.2 * m.portkey - m.givenProxy));
  row('not in the sum: the answer\'s usage read + masking (full\'s two response steps)', (m) => fr({ med: m.parts.answer.us, min: m.parts.answer.min, max: m.parts.answer.max }, (v) => v.toFixed(1)));
  row('measured: floor − proxy only (by round)', (m) => fr(m.extra.floor));
  row('of it on tmpfs (the record\'s CPU work, no disk)', (m) => fr(m.extra.floorShm));
  row('of it the disk\'s (floor − floor on tmpfs)', (m) => fr(m.extra.disk));
  row('measured: full − proxy only (by round)', (m) => fr(m.extra.full));
  row('floor: records per fdatasync, fdatasyncs per request', (m) => `${m.recordsPerSync.toFixed(1)}, ${m.syncsPerReq.toFixed(3)}`);
  lines.push('', `**Added first byte, ms** (lone caller, request by request; gateways against proxy only's request of the same turn, median [per-block range])`, '');
  lines.push(`| | ${Object.keys(perMode).join(' | ')} |`, `|---|${Object.keys(perMode).map(() => '---:').join('|')}|`);
  const reqSide = (m) => sumOf(['verify', 'parse', 'policy', 'mask', 'arrival'].map((id) => m.parts[id]));
  row('proxy only over direct (per-block range)', (m) => fr(m.firstByte.proxy, ms3));
  const fsync = (m) => (m.fsync[0] + m.fsync[1]) / 2;
  row('the disk\'s fdatasync p50 (pre-extended file) before, after the lone caller; results file', (m) => `${ms3(m.fsync[0])}, ${ms3(m.fsync[1])}; ${ms3(m.givenFsync)}`);
  row('**allowance**: fdatasync p50 + 0.2 ms (this run; results file)', (m) => `${ms3(fsync(m) + 0.2)}; ${ms3(m.givenFsync + 0.2)}`);
  row('full − proxy only', (m) => fr(m.firstByte.full, ms3));
  row('floor − proxy only', (m) => fr(m.firstByte.floor, ms3));
  row('floor on tmpfs − proxy only (no disk)', (m) => fr(m.firstByte.floorShm, ms3));
  row('floor: request side in process (verify, parse, policy, masking, arrival record), ms', (m) => fr({ med: reqSide(m).med / 1000, min: reqSide(m).min / 1000, max: reqSide(m).max / 1000 }, ms3));
  row('**sum of the floors**: request side + fdatasync p50 (this run; results file)', (m) => `**${ms3(reqSide(m).med / 1000 + fsync(m))}; ${ms3(reqSide(m).med / 1000 + m.givenFsync)}**`);
  const fits = (v, allowance) => (v <= allowance ? `fits, ${ms3(allowance - v)} ms to spare` : `does not fit by ${ms3(v - allowance)} ms`);
  row('verdict (sum of the floors: the request side against the 0.2 ms)', (m) => fits(reqSide(m).med / 1000, 0.2));
  row('verdict (the least gateway, measured; this run\'s fdatasync)', (m) => fits(m.firstByte.floor.med, fsync(m) + 0.2));
  row('verdict (the least gateway, measured; the results file\'s fdatasync)', (m) => fits(m.firstByte.floor.med, m.givenFsync + 0.2));
  return lines.join('\n') + '\n';
}

// `--summary floor.json`: the tables again from a run's figures (Portkey's and proxy only's from its results file).
if (process.argv[2] === '--summary') {
  const result = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const given = resultsFigures(result.portkeyFrom);
  for (const [mode, m] of Object.entries(result.modes)) Object.assign(m, { portkey: given.portkey(mode), givenProxy: given.proxy(mode), givenFsync: given.fsync, fsync: m.fsync ?? [result.fsyncP50, result.fsyncP50] });
  console.log(summary(result));
} else main().catch((err) => {
  console.error(`floor: failed: ${err.stack ?? err}`);
  process.exit(1);
});
