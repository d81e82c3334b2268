/**
 * In-process A/B of what a request costs in the metrics (issue 23, session 13): `requestEnded`
 * (the requests counter and the duration histogram) and the usage settle's counts (tokens in and
 * out, and the cost or the unpriced answer), with a price and without, a git ref (the base)
 * against the working tree, in interleaved CPU-time slices, the order alternating by round.
 * Run: npx tsx bench/micro/metrics-ab.ts [--base main] [--rounds 20] [--slice 150]
 * Under callgrind, one side at a time: --side base|tree --requests N (after as many as warm-up;
 * callgrind_control -z after the warm-up is the caller's part, or read the difference of two N).
 */
import { join, resolve } from 'node:path';
import { cpuSlice, extractBase } from './in-process-ab';

const repo = resolve(__dirname, '../..');
const arg = (name: string, fallback: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1]! : fallback);

async function load(root: string) {
  const g = (p: string) => import(join(root, 'gateway', p));
  const [m, u, p, log] = await Promise.all([g('server/metrics.ts'), g('usage/usage-service.ts'), g('core/usage/pricing.ts'), g('log.ts')]);
  const metrics = m.createMetrics();
  const service = (pricing: unknown[]) => u.createUsageService({ estimate: 'none' }, p.compilePricing(pricing), { log: log.silentLogger, metrics });
  const priced = service([{ model: 'gpt-4o-mini*', input: 0.15, output: 0.6 }]);
  const unpriced = service([]);
  const usage = { inputTokens: 12, outputTokens: 40, totalTokens: 52, source: 'reported' };
  const tap = { reported: () => ({ usage, final: true, stream: true }), outputText: () => ({ text: '', scale: 1 }) };
  const request = { endpoint: 'chat', upstream: 'mock', model: 'gpt-4o-mini' };
  let i = 0;
  /** One request's metrics: its end, then its usage settled (priced every other request). */
  return () => {
    metrics.requestEnded('chat', 200, 0.0003 + (i % 7) * 1e-4);
    (i++ % 2 ? priced : unpriced).settle({ request, status: 200, tap });
  };
}

async function main(): Promise<void> {
  const base = extractBase(repo, arg('base', 'main'), 'metrics-ab');
  const side = arg('side', '');
  if (side) {
    const run = await load(side === 'base' ? base : repo);
    const n = Number(arg('requests', '100000'));
    for (let k = 0; k < 2 * n; k++) run();
    return;
  }
  const sides = [
    { name: `base (${arg('base', 'main')})`, run: await load(base), us: [] as number[] },
    { name: 'tree', run: await load(repo), us: [] as number[] },
  ];
  for (const s of sides) for (let k = 0; k < 50_000; k++) s.run();
  const rounds = Number(arg('rounds', '20'));
  const sliceMs = Number(arg('slice', '150'));
  // 50 requests per call: reading the CPU clock costs more than one request's metrics.
  const batch = (run: () => void) => () => { for (let k = 0; k < 50; k++) run(); };
  for (let r = 0; r < rounds; r++) for (const s of r % 2 ? [...sides].reverse() : sides) s.us.push(cpuSlice(batch(s.run), sliceMs).us / 50);
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  for (const s of sides) console.log(`${s.name.padEnd(14)} ${med(s.us).toFixed(3)} µs per request [${Math.min(...s.us).toFixed(3)}–${Math.max(...s.us).toFixed(3)}]`);
  const lower = sides[1]!.us.filter((u, k) => u < sides[0]!.us[k]!).length;
  console.log(`tree lower in ${lower} of ${rounds} rounds`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
