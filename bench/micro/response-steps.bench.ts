// Micro-benchmark: CPU the full pipeline's response stages add per streamed answer, beyond relaying
// it: the usage tap (meter-usage.ts: usage read, the gateway's include_usage taken back out) and the
// response masker (mask-response.ts: client masking where rules say so, the audit copy of the text),
// opened, fed chunk by chunk and ended as relay-response.ts does, on the bench mock's stream
// (bench/upstream.mjs: 20 chat chunks as OpenAI sends them when usage was asked, the usage chunk,
// [DONE]; a chunk per event, as undici hands them over) and on a 200-event stream.
// Masking as in bench/configs/bench.policy.yaml (a rule for upstream only: no client rule, the
// audit copy masked), and with a client rule too.
// Run: npx tsx bench/micro/response-steps.bench.ts [--json] [--ms 300] [--rounds 7]
import { compileMaskingRules } from '../../gateway/core/masking/compile';
import { compilePricing } from '../../gateway/core/usage/pricing';
import { silentLogger } from '../../gateway/log';
import { createMaskingService } from '../../gateway/masking/masking-service';
import { maskResponse } from '../../gateway/pipeline/mask-response';
import { meterUsage } from '../../gateway/pipeline/meter-usage';
import { openResponseSteps } from '../../gateway/pipeline/response-stage';
import type { Exchange } from '../../gateway/pipeline/exchange';
import type { Runtime } from '../../gateway/runtime';
import { createMetrics } from '../../gateway/server/metrics';
import { createUsageService } from '../../gateway/usage/usage-service';
import { interleavedRounds } from './interleaved-rounds';
import { mockStream } from './mock-stream';

const json = process.argv.includes('--json');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const sliceMs = arg('--ms', 300);
const rounds = arg('--rounds', 7);

const upstreamOnly = compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }] as never);
const withClient = compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }, { name: 'client-pii', detectors: ['all'], where: ['client'] }] as never);
const metrics = createMetrics();
const runtime = (compiled: ReturnType<typeof compileMaskingRules>) => ({
  masking: createMaskingService({}, { getCompiled: () => compiled, log: silentLogger }),
  usage: createUsageService({}, compilePricing([{ model: 'gpt-4o*', input: 2.5, cachedInput: 1.25, output: 10 }]), { log: silentLogger, metrics, counter: () => undefined }),
}) as unknown as Runtime;

const head = { status: 200, headers: { 'content-type': 'text/event-stream' } };
function answer(rt: Runtime, masks: string[], chunks: Buffer[]) {
  const stages = [meterUsage(rt), maskResponse(rt)];
  return () => {
    const x = {
      request: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'mock', model: 'gpt-4o-mini', stream: true, promptText: 'hi', bodyBytes: 100 },
      decision: { masks }, streamUsageAsked: true, outcome: { responseBytes: 0 }, maskReport: [],
    } as unknown as Exchange;
    const steps = openResponseSteps(stages, x, head)!;
    let bytes = 0;
    for (const c of chunks) bytes += steps.chunk(c).length;
    bytes += steps.end().length;
    rt.usage.settle({ request: x.request, status: 200, tap: x.usageTap, auditResponseBody: x.outcome.auditResponseBody });
    return bytes;
  };
}

const bench = mockStream(20);
const long = mockStream(200);
const onlyCase = process.env.ONLY;
const allCases = [
  { name: 'bench mock stream in one chunk, bench policy (no client rule)', run: answer(runtime(upstreamOnly), ['agents-upstream-pii'], [Buffer.concat(bench)]) },
  { name: 'bench mock stream in one chunk, with a client rule', run: answer(runtime(withClient), ['agents-upstream-pii', 'client-pii'], [Buffer.concat(bench)]) },
  { name: 'bench mock stream (21 chunks), bench policy (no client rule)', run: answer(runtime(upstreamOnly), ['agents-upstream-pii'], bench) },
  { name: 'bench mock stream (21 chunks), with a client rule', run: answer(runtime(withClient), ['agents-upstream-pii', 'client-pii'], bench) },
  { name: '200 chunks, bench policy (no client rule)', run: answer(runtime(upstreamOnly), ['agents-upstream-pii'], long) },
  { name: '200 chunks, with a client rule', run: answer(runtime(withClient), ['agents-upstream-pii', 'client-pii'], long) },
];
const cases = onlyCase ? allCases.filter((c) => c.name.includes(onlyCase)) : allCases;

const rows = interleavedRounds(cases, { sliceMs, rounds, warmup: 2000 }).map((r) => ({ case: r.case, usPerAnswer: r.us, min: r.min, max: r.max }));
if (json) console.log(JSON.stringify(rows));
else for (const r of rows) console.log(`${r.usPerAnswer.toFixed(1).padStart(7)} µs per answer [${r.min.toFixed(1)}–${r.max.toFixed(1)}]  ${r.case}`);
