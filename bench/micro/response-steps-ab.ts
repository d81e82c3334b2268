/**
 * A/B of a streamed answer's response steps (issue 23, session 12): the usage tap and the response
 * masker (meter-usage.ts, mask-response.ts) opened, fed the bench mock's stream a chunk per event
 * and ended as relay-response.ts does, then the usage settled: what the full pipeline does per
 * SSE answer beyond relaying it (bench/micro/response-steps.bench.ts has the cases; this runs the
 * bench policy's, a git ref against the working tree).
 * - Default: both in one process, interleaved CPU-time slices, the order alternating by round.
 * - `--side base|tree --answers N`: one side only, N answers after as many warm-up ones, for an
 *   instruction count (load-independent); callgrind's counters are dumped and zeroed after the
 *   warm-up, so the dump at exit counts the N answers only:
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/<name>-cg.%p node --single-threaded --expose-gc \
 *     --import tsx bench/micro/response-steps-ab.ts --side tree --answers 4000
 *   (node --import tsx, not the tsx binary: that runs the script in a child callgrind does not follow)
 * Run: npx tsx bench/micro/response-steps-ab.ts [--base main] [--rounds 20] [--slice 150]
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { extractBase } from './in-process-ab';
import { mockStream } from './mock-stream';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const repo = resolve(__dirname, '../..');
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** One side's answer: the bench policy's masking (a rule for upstream, the audit copy masked by the built-in rule), usage asked by the gateway. */
async function load(root: string): Promise<() => number> {
  const g = (p: string) => import(join(root, 'gateway', p));
  const [compile, pricing, log, maskingService, maskResponse, meterUsage, responseStage, metrics, usageService] = await Promise.all([
    g('core/masking/compile.ts'), g('core/usage/pricing.ts'), g('log.ts'), g('masking/masking-service.ts'), g('pipeline/mask-response.ts'),
    g('pipeline/meter-usage.ts'), g('pipeline/response-stage.ts'), g('server/metrics.ts'), g('usage/usage-service.ts'),
  ]);
  const compiled = compile.compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }]);
  const rt = {
    masking: maskingService.createMaskingService({}, { getCompiled: () => compiled, log: log.silentLogger }),
    usage: usageService.createUsageService({}, pricing.compilePricing([{ model: 'gpt-4o*', input: 2.5, cachedInput: 1.25, output: 10 }]), { log: log.silentLogger, metrics: metrics.createMetrics(), counter: () => undefined }),
  };
  const stages = [meterUsage.meterUsage(rt), maskResponse.maskResponse(rt)];
  const head = { status: 200, headers: { 'content-type': 'text/event-stream' } };
  const chunks = mockStream(20);
  return () => {
    const x = {
      request: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'mock', model: 'gpt-4o-mini', stream: true, promptText: 'hi', bodyBytes: 100 },
      decision: { masks: ['agents-upstream-pii'] }, streamUsageAsked: true, outcome: { responseBytes: 0 }, maskReport: [],
    } as unknown as { outcome: { auditResponseBody?: unknown }; usageTap?: unknown; request: unknown };
    const steps = responseStage.openResponseSteps(stages, x, head);
    let bytes = 0;
    for (const c of chunks) bytes += steps.chunk(c).length;
    bytes += steps.end().length;
    rt.usage.settle({ request: x.request, status: 200, tap: x.usageTap, auditResponseBody: x.outcome.auditResponseBody });
    return bytes;
  };
}

let sink = 0;

async function main() {
  const side = process.argv.includes('--side') ? arg('side', 'tree') : undefined;
  const base = () => extractBase(repo, arg('base', 'main'), 'response-steps-ab');
  if (side) {
    const run = await load(side === 'base' ? base() : repo);
    const n = Number(arg('answers', '20000'));
    for (let i = 0; i < n; i++) sink += run();
    (globalThis as { gc?: () => void }).gc?.();
    if (/valgrind/.test(process.env.LD_PRELOAD ?? '')) execFileSync('callgrind_control', ['-d', String(process.pid)]);
    const c0 = cpu();
    for (let i = 0; i < n; i++) sink += run();
    console.log(`${side}: ${n} answers, ${((cpu() - c0) / n).toFixed(2)} µs CPU per answer (${sink})`);
    process.exit(0);
  }
  const rounds = Number(arg('rounds', '20'));
  const sliceUs = Number(arg('slice', '150')) * 1000;
  const sides = [{ label: 'base', run: await load(base()), us: [] as number[] }, { label: 'tree', run: await load(repo), us: [] as number[] }];
  for (const s of sides) for (let i = 0; i < 3000; i++) sink += s.run();
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 ? [...sides].reverse() : sides) {
      let ops = 0;
      const t0 = cpu();
      while (cpu() - t0 < sliceUs) for (let k = 0; k < 10; k++, ops++) sink += s.run();
      s.us.push((cpu() - t0) / ops);
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  const [b, t] = sides;
  const lower = t!.us.filter((v, i) => v < b!.us[i]!).length;
  for (const s of sides) console.log(`${s.label}: ${median(s.us).toFixed(2)} µs per answer [${Math.min(...s.us).toFixed(2)}–${Math.max(...s.us).toFixed(2)}]`);
  console.log(`tree lower in ${lower} of ${rounds} rounds (${sink > 0 ? 'ok' : ''})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
