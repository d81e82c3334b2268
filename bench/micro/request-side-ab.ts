/**
 * In-process A/B of a big JSON request's side of the gateway that masking and the audit share (issue
 * 23): `maskRequest` (both copies, the audit bound), the arrival record's fields, and the bytes sent
 * upstream, for the bench's big prompts under the bench policy's masking. A git ref (the base) and
 * the working tree are loaded in one process and measured in interleaved CPU-time slices
 * (process.cpuUsage: page faults count, other processes' load mostly not), in both load orders.
 * Run: node --require ./scripts/register-text-loaders.cjs --import tsx bench/micro/request-side-ab.ts [--base main] [--rounds 12] [--slice 300] [--sizes 1MB,4MB]
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { cpuSlice, extractBase } from './in-process-ab';
// @ts-expect-error a plain ES module of the bench
import { bigChatBody, bigSizes } from '../lib/big-bodies.mjs';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const repo = resolve(__dirname, '../..');
const baseRef = arg('base', 'main');
const rounds = Number(arg('rounds', '12'));
const sliceMs = Number(arg('slice', '300'));
const sizes = arg('sizes', '1MB,4MB').split(',');


/** One request's work: mask (both copies, the upstream bytes, the audit bound), then the arrival record's fields. */
async function load(root: string) {
  const g = (p: string) => import(join(root, 'gateway', p));
  const [compile, service, builder, log] = await Promise.all([g('core/masking/compile.ts'), g('masking/masking-service.ts'), g('audit/record-builder.ts'), g('log.ts')]);
  const compiled = compile.compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'bench' });
  const masking = service.createMaskingService({}, { getCompiled: () => compiled, log: log.silentLogger, recordBodyBytes: 65_536 });
  return (body: Buffer, json: unknown) => () => {
    const m = masking.maskRequest({ masks: ['agents-upstream-pii'], body, json });
    const x = { id: 'r', receivedAt: 0, startNs: 0n, req: { headers: {}, method: 'POST', url: '/v1/chat/completions', socket: {} }, body, auditRequestBody: m.auditBody, auditRequestJson: m.auditJson, maskReport: m.report, outcome: {} };
    return builder.arrivalFields(x, 65_536);
  };
}

/** CPU µs per call over one slice, its page faults per call pushed onto `pages`. */
function slice(run: () => unknown, pages: number[]): number {
  const { us, faults } = cpuSlice(run, sliceMs);
  pages.push(faults);
  return us;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Per size: each variant's slices, round by round, the two in alternating order (paired: a round's two slices run back to back). */
async function child(treeFirst: boolean) {
  const tree = treeFirst ? await load(repo) : undefined;
  const base = await load(extractBase(repo, baseRef, 'request-side-ab'));
  const variants = [base, tree ?? (await load(repo))];
  const out: Record<string, { base: number[]; tree: number[]; faults: number[] }> = {};
  for (const size of sizes) {
    const body = Buffer.from(bigChatBody(bigSizes[size], false));
    const json = JSON.parse(body.toString('latin1')) as unknown;
    const runs = variants.map((make) => make(body, json));
    for (const run of runs) for (let i = 0; i < 3; i++) run();
    const samples: number[][] = [[], []];
    const pages: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) for (const k of r % 2 ? [1, 0] : [0, 1]) samples[k]!.push(slice(runs[k]!, pages[k]!));
    out[size] = { base: samples[0]!, tree: samples[1]!, faults: pages.map(median) };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv.includes('--child')) void child(process.argv.includes('--tree-first'));
else {
  for (const order of [[], ['--tree-first']]) {
    const out = execFileSync(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2), '--child', ...order], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const sizesOut = JSON.parse(out.trim().split('\n').pop()!) as Record<string, { base: number[]; tree: number[]; faults: number[] }>;
    process.stdout.write(`${order.length ? 'tree loaded first' : `${baseRef} loaded first`}: CPU µs per request, median over ${rounds} rounds; tree − ${baseRef} per round, median [range]\n`);
    for (const [size, { base, tree, faults: pages }] of Object.entries(sizesOut)) {
      const diffs = tree.map((t, r) => t - base[r]!);
      const f = (x: number) => x.toFixed(0);
      process.stdout.write(`  ${size}: ${baseRef} ${f(median(base))}, tree ${f(median(tree))}; difference ${f(median(diffs))} [${f(Math.min(...diffs))} to ${f(Math.max(...diffs))}], lower in ${diffs.filter((d) => d < 0).length}/${rounds}; page faults ${f(pages[0]!)} → ${f(pages[1]!)}\n`);
    }
  }
}
