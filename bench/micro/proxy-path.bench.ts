// Micro-benchmark of the per-request pieces of the proxy path, each in a tight loop, in
// nanoseconds per call (best of several batches, so other load on the machine mostly drops out).
// Run: npx tsx bench/micro/proxy-path.bench.ts [--json]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyEndpoint } from '../../gateway/core/endpoints';
import { describeBody } from '../../gateway/core/inference-request';
import { createMetrics } from '../../gateway/server/metrics';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../gateway/upstream/headers';
import { compileUpstreams } from '../../gateway/upstream/upstream-table';

const bodies = join(__dirname, '..', 'bodies');
const small = readFileSync(join(bodies, 'chat-160B.json'));
const large = readFileSync(join(bodies, 'chat-4KB.json'));

/** ns per call: the best of `batches` timed batches of `n` calls. */
function measure(fn: () => unknown, n = 20_000, batches = 7): number {
  for (let i = 0; i < n; i++) fn();
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  return Math.round(best);
}

const table = compileUpstreams([{ name: 'mock', url: 'http://127.0.0.1:9', auth: { secret: { env: 'PATH' } } }], process.cwd(), (u) => u.url!);
const upstream = table.upstreams[0]!;
const clientHeaders = {
  host: '127.0.0.1:8787', 'user-agent': 'OpenAI/Python 1.55.0', accept: 'application/json', 'accept-encoding': 'gzip, deflate',
  'content-type': 'application/json', 'content-length': '160', authorization: 'Bearer sk-dummy', connection: 'keep-alive',
  'x-stainless-lang': 'python', 'x-stainless-package-version': '1.55.0', 'x-stainless-os': 'Linux', 'x-stainless-arch': 'x64',
};
const upstreamHeaders = { 'content-type': 'application/json', 'content-length': '289', date: 'Thu, 27 Nov 2026 05:00:00 GMT', connection: 'keep-alive', 'keep-alive': 'timeout=65' };
const metrics = createMetrics();
const json = JSON.parse(large.toString('utf8'));

const figures = {
  ns_per_call: {
    randomUUID: measure(() => randomUUID()),
    hrtimeBigint: measure(() => process.hrtime.bigint()),
    jsonParse160B: measure(() => JSON.parse(small.toString('utf8'))),
    jsonParse4KB: measure(() => JSON.parse(large.toString('utf8')), 5_000),
    describeBody4KB: measure(() => describeBody(json)),
    classifyEndpoint: measure(() => classifyEndpoint('/v1/chat/completions')),
    selectUpstream: measure(() => table.select('/v1/chat/completions', 'gpt-4o-mini')),
    upstreamRequestHeaders: measure(() => upstreamRequestHeaders(clientHeaders, upstream, 'id', 160, '127.0.0.1')),
    clientResponseHeaders: measure(() => clientResponseHeaders(upstreamHeaders, 'id', false)),
    requestEnded: measure(() => metrics.requestEnded('chat', 200, 0.0012)),
    setAndClearTimeout: measure(() => clearTimeout(setTimeout(() => {}, 60_000))),
  },
};
table.close();

if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
else for (const [k, v] of Object.entries(figures.ns_per_call)) console.log(`${k.padEnd(24)} ${String(v).padStart(7)} ns`);
