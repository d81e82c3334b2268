// Micro-benchmark: CPU that usage extraction adds per response (issue 21 targets: ≤ 10 µs per JSON
// response, ≤ 1 µs per SSE event). Run: npx tsx bench/micro/usage.bench.ts [--json] [--ms 600] [--rounds 7]
// (QUICK=1: 200 ms, 3 rounds; npm run bench runs it with the other micro-benchmarks and reports the checks).
// Cases: the core readers alone, and the gateway's whole part (the tap on the relayed bytes, then
// settle: pricing and the Prometheus counters), on a 1.1 KB chat completion and a 200-event chat
// stream in the documented formats (with the gateway's include_usage taken back out, and without).
// The cases run in interleaved rounds and each reports its median round (and the range): on a
// shared box a slow spell then hits every case alike instead of one.
import { JsonUsageReader } from '../../gateway/core/usage/json-usage';
import { SseUsageReader } from '../../gateway/core/usage/sse-usage';
import type { InferenceRequest } from '../../gateway/core/types';
import { silentLogger } from '../../gateway/log';
import { createMetrics } from '../../gateway/server/metrics';
import { compilePricing } from '../../gateway/core/usage/pricing';
import { createUsageService } from '../../gateway/usage/usage-service';

const json = process.argv.includes('--json');
const quick = process.env.QUICK === '1';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const budgetMs = arg('--ms', quick ? 200 : 600);
const rounds = arg('--rounds', quick ? 3 : 7);

const completion = Buffer.from(JSON.stringify({
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG', object: 'chat.completion', created: 1741570283, model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The image shows a wooden boardwalk path running through a lush green field or meadow. '.repeat(9), refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1117, completion_tokens: 46, total_tokens: 1163, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } },
  service_tier: 'default', system_fingerprint: 'fp_fc9f1d7035',
}));

const events = 200;
const chunk = (content: string, withUsage: boolean) => `data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1733400000,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"logprobs":null,"finish_reason":null}]${withUsage ? ',"usage":null' : ''}}\n\n`;
const stream = (withUsage: boolean) => [
  ...Array.from({ length: events - 2 }, (_, i) => Buffer.from(chunk(` word${i}`, withUsage))),
  Buffer.from(`data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1733400000,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":198,"total_tokens":210}}\n\n`),
  Buffer.from('data: [DONE]\n\n'),
];
const asked = stream(true);
const plain = stream(false);

const metrics = createMetrics();
const usage = createUsageService({}, compilePricing([{ model: 'gpt-4o*', input: 2.5, cachedInput: 1.25, output: 10 }]), { log: silentLogger, metrics, counter: () => undefined });
const request: InferenceRequest = { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'openai', model: 'gpt-4o-mini', stream: true, promptText: 'hi', bodyBytes: 100 };

/** The gateway's part for one response: its tap on every relayed chunk, then settle. */
const viaGateway = (contentType: string, chunks: Buffer[], asked: boolean) => () => {
  const tap = usage.responseTap(request, { status: 200, contentType }, asked)!;
  for (const c of chunks) tap.push(c);
  tap.end();
  usage.settle({ request, status: 200, tap });
};

const cases: { name: string; per: string; units: number; run: () => unknown; target?: number }[] = [
  { name: 'JSON: core reader (tail scan + normalize)', per: 'response', units: 1, run: () => { const r = new JsonUsageReader('openai'); r.push(completion); return r.end(); } },
  { name: 'JSON: gateway tap + settle (price, metrics)', per: 'response', units: 1, run: viaGateway('application/json', [completion], false), target: 10 },
  { name: 'SSE: core reader, usage only', per: 'event', units: events, run: () => { const r = new SseUsageReader('openai'); for (const c of plain) r.push(c.toString()); r.end(); return r.usage; } },
  { name: 'SSE: gateway tap, client asked (read + keep text)', per: 'event', units: events, run: viaGateway('text/event-stream', asked, false), target: 1 },
  { name: 'SSE: gateway tap, gateway asked (read + strip)', per: 'event', units: events, run: viaGateway('text/event-stream', asked, true), target: 1 },
];

/** CPU time (process.cpuUsage) rather than wall time: the number stays meaningful on a busy machine. */
function slice(run: () => unknown, units: number, ms: number): number {
  let ops = 0;
  const cpu0 = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 10; i++) run();
    ops += 10;
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / (ops * units);
}

for (const c of cases) slice(c.run, c.units, Math.min(100, budgetMs / 3)); // warm-up
const perRound = cases.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) cases.forEach((c, i) => perRound[i]!.push(slice(c.run, c.units, budgetMs / rounds)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const results = cases.map((c, i) => ({ case: c.name, per: c.per, usPer: median(perRound[i]!), min: Math.min(...perRound[i]!), max: Math.max(...perRound[i]!) }));
/** The targets, on the gateway's whole part (what a request pays), not the readers alone. */
const checks = cases.flatMap((c, i) => (c.target === undefined ? [] : [{
  check: c.name, usPer: results[i]!.usPer, target: `≤ ${c.target} µs per ${c.per}`, verdict: results[i]!.usPer <= c.target ? 'PASS' : 'MISS',
}]));
if (json) {
  console.log(JSON.stringify({ bench: 'usage', jsonBytes: completion.length, sseEvents: events, rounds, results, checks }));
} else {
  console.log(`usage extraction, ${completion.length}-byte chat completion, ${events}-event chat stream, ${rounds} interleaved rounds of ${Math.round(budgetMs / rounds)} ms per case`);
  console.log('case'.padEnd(52) + 'CPU µs'.padStart(10) + '  per       [range]        target');
  cases.forEach((c, i) => {
    const r = results[i]!;
    const verdict = c.target === undefined ? '' : `≤ ${c.target} µs ${r.usPer <= c.target ? 'PASS' : 'MISS'}`;
    console.log(r.case.padEnd(52) + r.usPer.toFixed(3).padStart(10) + `  ${r.per.padEnd(9)} [${r.min.toFixed(2)}–${r.max.toFixed(2)}]`.padEnd(26) + verdict);
  });
}
