import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { CellCounter, CellHistogram } from '../../../gateway/server/metric-cells';
import { createMetrics } from '../../../gateway/server/metrics';

/** A small deterministic generator: the same operations on both sides. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Per-request metrics counted in cells (server/metric-cells.ts) show Prometheus exactly what
 * prom-client's own Counter and Histogram show for the same counts: the same text, byte for byte,
 * and the same JSON, at every scrape.
 */
describe('metric cells: per-request counts without prom-client calls per request', () => {
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

  it('scrapes to the same text and JSON as prom-client fed the same counts, scrape after scrape and after a reset', async () => {
    const mine = new Registry();
    const theirs = new Registry();
    const cells = new CellCounter({ name: 'c_total', help: 'a counter', labelNames: ['model', 'upstream'] as const, registers: [mine] });
    const counter = new Counter({ name: 'c_total', help: 'a counter', labelNames: ['model', 'upstream'] as const, registers: [theirs] });
    const histogram = new CellHistogram({ name: 'h_seconds', help: 'a histogram', labelNames: ['endpoint'] as const, buckets, registers: [mine] });
    const promHistogram = new Histogram({ name: 'h_seconds', help: 'a histogram', labelNames: ['endpoint'] as const, buckets, registers: [theirs] });
    const next = random(23);
    const models = ['gpt-4o-mini', 'o1', 'claude "quoted" \\ name\n'];
    const endpoints = ['chat', 'embeddings', 'other'];
    const kept = new Map<string, ReturnType<typeof cells.cell>>();
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 400; i++) {
        const labels = { model: models[Math.floor(next() * models.length)]!, upstream: next() < 0.5 ? 'a' : 'b' };
        // Fractional amounts (costs), whole ones (tokens), zeros (a label set shown at 0), and inc().
        const r = next();
        const amount = r < 0.1 ? 0 : r < 0.2 ? undefined : r < 0.6 ? Math.floor(next() * 1000) : next() * 0.003;
        const key = `${labels.model}/${labels.upstream}`;
        const cell = kept.get(key) ?? kept.set(key, cells.cell(labels)).get(key)!;
        cell.inc(amount);
        counter.inc(labels, amount);
        // Durations on and around the bounds, and past the last one (+Inf only).
        const endpoint = endpoints[Math.floor(next() * endpoints.length)]!;
        const v = next() < 0.2 ? buckets[Math.floor(next() * buckets.length)]! : next() < 0.05 ? 200 + next() : next() * next() * 2;
        histogram.observe(endpoint, v);
        promHistogram.observe({ endpoint }, v);
      }
      assert.equal(await mine.metrics(), await theirs.metrics(), `round ${round}`);
      assert.deepStrictEqual(await mine.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
      if (round === 3) {
        mine.resetMetrics();
        theirs.resetMetrics();
        assert.equal(await mine.metrics(), await theirs.metrics(), 'after a reset');
      }
    }
  });

  it('checks counts as prom-client does: a negative count throws, a NaN counts', async () => {
    const registry = new Registry();
    const cell = new CellCounter({ name: 'n_total', help: 'n', labelNames: ['a'] as const, registers: [registry] }).cell({ a: 'x' });
    assert.throws(() => cell.inc(-1), /not possible to decrease/);
    assert.throws(() => cell.inc(Infinity), /not a valid number/);
    cell.inc(NaN);
    assert.match(await registry.metrics(), /n_total\{a="x"\} Nan/);
  });

  it('counting a request makes no prom-client call: the scrape shows every one', async () => {
    const calls = { inc: 0, observe: 0 };
    // prom-client's own methods behind every Counter's inc and Histogram's observe (set in their constructors).
    type Method = (...args: unknown[]) => unknown;
    const counterProto = Counter.prototype as unknown as { incWithoutExemplar: Method };
    const histogramProto = Histogram.prototype as unknown as { observeWithoutExemplar: Method };
    const inc = counterProto.incWithoutExemplar;
    const observe = histogramProto.observeWithoutExemplar;
    counterProto.incWithoutExemplar = function (this: unknown, ...args: unknown[]) {
      calls.inc++;
      return inc.apply(this, args);
    };
    histogramProto.observeWithoutExemplar = function (this: unknown, ...args: unknown[]) {
      calls.observe++;
      return observe.apply(this, args);
    };
    try {
      const metrics = createMetrics();
      for (let i = 0; i < 1000; i++) metrics.requestEnded('chat', i % 10 === 0 ? 429 : 200, 0.002);
      assert.deepEqual(calls, { inc: 0, observe: 0 });
      const text = await metrics.registry.metrics();
      assert.match(text, /^gatehouse_requests_total\{endpoint="chat",status="200"\} 900$/m);
      assert.match(text, /^gatehouse_requests_total\{endpoint="chat",status="429"\} 100$/m);
      assert.match(text, /^gatehouse_request_duration_seconds_bucket\{le="0.0025",endpoint="chat"\} 1000$/m);
      assert.match(text, /^gatehouse_request_duration_seconds_count\{endpoint="chat"\} 1000$/m);
    } finally {
      counterProto.incWithoutExemplar = inc;
      histogramProto.observeWithoutExemplar = observe;
    }
  });
});
