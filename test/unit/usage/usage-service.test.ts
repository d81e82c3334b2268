import assert from 'node:assert/strict';
import type { InferenceRequest } from '../../../gateway/core/types';
import { compilePricing } from '../../../gateway/core/usage/pricing';
import { silentLogger } from '../../../gateway/log';
import { createMetrics } from '../../../gateway/server/metrics';
import { createUsageService } from '../../../gateway/usage/usage-service';

/** The tokenizer is loaded (`counter`) only for an answer something must be counted for. */
describe('usage service: settling an answer', () => {
  const request = { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'mock', model: 'gpt-4o-mini', stream: true, promptText: 'Say this is a test.', bodyBytes: 100 } as unknown as InferenceRequest;
  const sse = { status: 200, contentType: 'text/event-stream' };
  const event = (body: object) => Buffer.from(`data: ${JSON.stringify(body)}\n\n`);
  const delta = (content: string) => event({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });
  const usageChunk = event({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });

  function settle(chunks: Buffer[], ends = true, metrics = createMetrics()) {
    let loads = 0;
    const service = createUsageService({}, compilePricing([]), { log: silentLogger, metrics, counter: () => (loads++, (text: string) => text.length) });
    const tap = service.responseTap(request, sse, true)!;
    for (const c of chunks) tap.push(c);
    if (ends) tap.end();
    return { ...service.settle({ request, status: 200, tap }), loads };
  }

  it('usage the upstream reported: nothing counted, the tokenizer not asked for', () => {
    const { usage, loads } = settle([delta('This is '), delta('a test.'), usageChunk, Buffer.from('data: [DONE]\n\n')]);
    assert.deepEqual(usage, { inputTokens: 7, outputTokens: 3, totalTokens: 10, source: 'reported' });
    assert.equal(loads, 0);
  });

  it('a stream cut before its usage: counted with the tokenizer', () => {
    const { usage, loads } = settle([delta('This is '), delta('a test.')], false);
    assert.equal(loads, 1);
    assert.equal(usage?.source, 'estimated');
    assert.equal(usage?.outputTokens, 'This is a test.'.length);
  });

  it('counts the tokens and the unpriced answers in the metrics, as a scrape shows them', async () => {
    const metrics = createMetrics();
    for (let i = 0; i < 3; i++) settle([delta('This is '), delta('a test.'), usageChunk, Buffer.from('data: [DONE]\n\n')], true, metrics);
    const text = await metrics.registry.metrics();
    assert.match(text, /^gatehouse_tokens_total\{direction="input",model="gpt-4o-mini",upstream="mock"\} 21$/m);
    assert.match(text, /^gatehouse_tokens_total\{direction="output",model="gpt-4o-mini",upstream="mock"\} 9$/m);
    assert.match(text, /^gatehouse_cost_unpriced_total\{upstream="mock"\} 3$/m);
  });
});
