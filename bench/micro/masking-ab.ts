/**
 * In-process A/B of the masking code: a git ref (the base) against the working tree, both loaded
 * in ONE process and measured in interleaved CPU-time slices, so load from other processes on a
 * shared box hits both alike. Prints the median µs per op (CPU) and MB/s per core of each, and
 * the median of the per-round speed-ups. Runs twice, once per load order (see `parent`).
 *
 * The base's `gateway/` is extracted with `git archive` under node_modules/.cache/ (ignored by
 * git and tsc, and inside the repo so its package imports resolve to this node_modules).
 * Run: npx tsx bench/micro/masking-ab.ts [--base main] [--rounds 15] [--slice 40] [--only sse]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpuSlice, extractBase } from './in-process-ab';
import { denseBody, mixedBody, sseDeltas } from './masking-fixtures';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const repo = resolve(__dirname, '../..');
const baseRef = arg('base', 'main');
const rounds = Number(arg('rounds', '15'));
const sliceMs = Number(arg('slice', '40'));
const only = arg('only', '');

type Masking = Awaited<ReturnType<typeof load>>;

async function load(root: string) {
  const m = (p: string) => import(join(root, 'gateway/core/masking', p));
  const [compile, maskJson, maskText, sse, stream, service] = await Promise.all([
    m('compile.ts'), m('mask-json.ts'), m('mask-text.ts'), m('sse-masker.ts'), m('stream-text-masker.ts'), import(join(root, 'gateway/masking/masking-service.ts')),
  ]);
  return {
    createMaskingService: service.createMaskingService as typeof import('../../gateway/masking/masking-service').createMaskingService,
    compileMaskingRules: compile.compileMaskingRules as typeof import('../../gateway/core/masking/compile').compileMaskingRules,
    maskJson: maskJson.maskJson as typeof import('../../gateway/core/masking/mask-json').maskJson,
    selectRules: maskText.selectRules as typeof import('../../gateway/core/masking/mask-text').selectRules,
    SseMasker: sse.SseMasker as typeof import('../../gateway/core/masking/sse-masker').SseMasker,
    StreamTextMasker: stream.StreamTextMasker as typeof import('../../gateway/core/masking/stream-text-masker').StreamTextMasker,
  };
}


interface Case { name: string; bytes: number; op: (v: Masking) => () => void }

function cases(): Case[] {
  const mixed = mixedBody();
  const dense = denseBody();
  const { deltas, events, sseBytes, textBytes } = sseDeltas(mixed.text);
  const chat4k = readFileSync(join(__dirname, '../bodies/chat-4KB.json'));
  const list: Case[] = [
    // The full pipeline's 4 KB mode: bench.policy.yaml's rule (all detectors, upstream) and the default audit rule.
    { name: 'the bench\'s 4 KB chat body, the bench policy\'s masking', bytes: chat4k.length, op: (v) => {
      const c = v.compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'bench' });
      const body = JSON.parse(chat4k.toString('utf8')) as unknown;
      return () => void v.maskJson(body, c, { where: 'audit', spans: false });
    } },
    // The same through the masking service, as the gateway's stage calls it: the scan, the copies,
    // the upstream bytes (the audit's too) and the report.
    { name: 'the bench\'s 4 KB chat body, maskRequest (scan, copies, bytes, report)', bytes: chat4k.length, op: (v) => {
      const c = v.compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'bench' });
      const service = v.createMaskingService(undefined, { getCompiled: () => c, log: { info() {} } as never });
      const masks = Object.freeze(['agents-upstream-pii']);
      const body = JSON.parse(chat4k.toString('utf8')) as unknown;
      return () => void service.maskRequest({ masks, body: chat4k, json: body });
    } },
    { name: '64 KB body, audit copy (all detectors)', bytes: mixed.bytes, op: (v) => {
      const all = v.compileMaskingRules([], { hashKey: 'bench' });
      return () => void v.maskJson(mixed.body, all, { where: 'audit', spans: false });
    } },
    { name: '64 KB body, upstream copy (card, email, secrets)', bytes: mixed.bytes, op: (v) => {
      const up = v.compileMaskingRules([{ name: 'pii', detectors: ['card', 'email', 'secret'], where: ['upstream', 'client'] }], { hashKey: 'bench', auditDetectors: [] });
      return () => void v.maskJson(mixed.body, up, { where: 'upstream', spans: false });
    } },
    { name: '64 KB PII-dense corpus body, audit copy', bytes: dense.bytes, op: (v) => {
      const all = v.compileMaskingRules([], { hashKey: 'bench' });
      return () => void v.maskJson(dense.body, all, { where: 'audit', spans: false });
    } },
    { name: `SSE masker, ${deltas.length} small deltas (SSE bytes)`, bytes: sseBytes, op: (v) => {
      const all = v.compileMaskingRules([], { hashKey: 'bench' });
      const rules = v.selectRules(all, 'audit');
      return () => {
        const sse = new v.SseMasker(all, { rules });
        for (const e of events) sse.pushBytes(e);
        sse.end();
      };
    } },
    { name: `text masker alone, ${deltas.length} small deltas (text bytes)`, bytes: textBytes, op: (v) => {
      const all = v.compileMaskingRules([], { hashKey: 'bench' });
      const rules = v.selectRules(all, 'audit');
      return () => {
        const m = new v.StreamTextMasker(all, { rules, path: '$' });
        for (const d of deltas) m.push(d);
        m.end();
      };
    } },
  ];
  return list.filter((c) => !only || c.name.toLowerCase().includes(only.toLowerCase()));
}

/** CPU µs per op over one slice of `sliceMs` CPU milliseconds (at least one op). */
const slice = (op: () => void): number => cpuSlice(op, sliceMs).us;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  if (!process.argv.includes('--child')) return parent();
  // The module loaded first runs a few % faster (measured: ×0.92 for identical code, either way):
  // the parent runs both load orders and takes the geometric mean of the two speed-ups.
  const treeFirst = process.argv.includes('--tree-first');
  const tree = treeFirst ? await load(repo) : undefined;
  const base = await load(extractBase(repo, baseRef, 'masking-ab'));
  const variants = [{ label: baseRef, v: base }, { label: 'tree', v: tree ?? (await load(repo)) }];
  const results: { name: string; bytes: number; base: number; tree: number; ratio: number }[] = [];
  for (const c of cases()) {
    const ops = variants.map((x) => c.op(x.v));
    for (const op of ops) for (let i = 0; i < 3; i++) slice(op); // warm both
    const samples: number[][] = ops.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [1, 0] : [0, 1];
      for (const k of order) samples[k].push(slice(ops[k]));
    }
    if (process.env.AB_SAMPLES) process.stdout.write(samples.map((s) => s.map((x) => x.toFixed(0)).join(" ")).join("\n") + "\n");
    const [a, b] = samples.map(median);
    // Load on a shared box swings by 2–3× within a run; the two slices of a round run back to
    // back, so the median of the per-round ratios is far steadier than the ratio of medians.
    const ratio = median(samples[0].map((x, r) => x / samples[1][r]));
    results.push({ name: c.name, bytes: c.bytes, base: a, tree: b, ratio });
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

type Results = { name: string; bytes: number; base: number; tree: number; ratio: number }[];

function parent(): void {
  const run = (extra: string[]): Results => {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2), '--child', ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').pop()!) as Results;
  };
  const a = run([]);
  const b = run(['--tree-first']);
  process.stdout.write(`A/B ${baseRef} vs working tree: ${rounds} rounds of ${sliceMs} ms CPU slices in each load order\n`);
  const mb = (bytes: number, us: number) => (bytes / us).toFixed(1);
  a.forEach((x, i) => {
    const y = b[i];
    const baseUs = Math.sqrt(x.base * y.base);
    const treeUs = Math.sqrt(x.tree * y.tree);
    const ratio = Math.sqrt(x.ratio * y.ratio);
    process.stdout.write(`${x.name}\n  ${baseRef}: ${baseUs.toFixed(0)} µs/op ${mb(x.bytes, baseUs)} MB/s   tree: ${treeUs.toFixed(0)} µs/op ${mb(x.bytes, treeUs)} MB/s   speed-up ×${ratio.toFixed(2)} (×${x.ratio.toFixed(2)} base loaded first, ×${y.ratio.toFixed(2)} tree first)\n`);
  });
}

main().catch((e) => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
