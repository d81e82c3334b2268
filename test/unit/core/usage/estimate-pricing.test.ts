import assert from 'node:assert/strict';
import { bytesOver4, completeOutput, estimateUsage, isOpenAiModel } from '../../../../gateway/core/usage/estimate';
import { outputTextOf } from '../../../../gateway/core/usage/output-text';
import { compilePricing, costOf, shadowedPrices } from '../../../../gateway/core/usage/pricing';

describe('core/usage: estimates', () => {
  it('bytes ÷ 4 counts UTF-8 bytes, rounded up, and says so', () => {
    assert.equal(bytesOver4('abcd'), 1);
    assert.equal(bytesOver4('abcde'), 2);
    assert.equal(bytesOver4('été'), 2); // 5 bytes
    assert.equal(bytesOver4('😀😀'), 2); // 8 bytes
    assert.deepEqual(estimateUsage({ promptText: 'Say hello', outputText: 'Hello!' }, undefined), { inputTokens: 3, outputTokens: 2, totalTokens: 5, source: 'bytes' });
  });

  it('a tokenizer count is marked estimated', () => {
    const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
    assert.deepEqual(estimateUsage({ promptText: 'one two three', outputText: '' }, words), { inputTokens: 3, outputTokens: 0, totalTokens: 3, source: 'estimated' });
  });

  it('a partial stream report keeps its exact input and takes the larger output', () => {
    assert.deepEqual(completeOutput({ inputTokens: 40, cachedInputTokens: 30, outputTokens: 1, totalTokens: 41, source: 'reported' }, 12),
      { inputTokens: 40, cachedInputTokens: 30, outputTokens: 12, totalTokens: 52, source: 'estimated' });
  });

  it('OpenAI model names', () => {
    for (const m of ['gpt-4o', 'gpt-4.1-mini', 'o3', 'o4-mini', 'chatgpt-4o-latest', 'text-embedding-3-small', 'ft:gpt-4o-mini:org::id']) assert.ok(isOpenAiModel(m), m);
    for (const m of ['claude-sonnet-4-5', 'llama3.1:8b', 'mistral-large', 'ollama/gpt', undefined]) assert.ok(!isOpenAiModel(m), String(m));
  });

  it('output text of each documented response shape', () => {
    assert.equal(outputTextOf({ choices: [{ message: { content: 'A', tool_calls: [{ function: { arguments: '{"x":1}' } }] } }] }), 'A\n{"x":1}');
    assert.equal(outputTextOf({ choices: [{ text: 'legacy' }] }), 'legacy');
    assert.equal(outputTextOf({ output: [{ type: 'message', content: [{ type: 'output_text', text: 'R' }] }, { type: 'function_call', arguments: '{}' }] }), 'R\n{}');
    assert.equal(outputTextOf({ content: [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'T' }, { type: 'tool_use', input: { q: 1 } }] }), 'hmm\nT\n{"q":1}');
    assert.equal(outputTextOf({ stream: true, texts: [{ path: '$', text: 'a' }, { path: '$', text: 'b' }] }), 'a\nb');
    assert.equal(outputTextOf(undefined), '');
  });
});

describe('core/usage: pricing', () => {
  const table = compilePricing([
    { upstream: 'azure-*', model: 'gpt-4o*', input: 2.75, output: 11, currency: 'EUR' },
    { model: ['gpt-4o-mini', 'gpt-4o-mini-*'], input: 0.15, cachedInput: 0.075, output: 0.6 },
    { model: 'gpt-4o*', input: 2.5, cachedInput: 1.25, output: 10 },
    { model: 'claude-sonnet-4*', input: 3, cachedInput: 0.3, cacheWriteInput: 3.75, output: 15 },
    { model: 'o4-mini', input: 1.1, cachedInput: 0.275, output: 4.4, reasoning: 4.4 },
  ]);

  it('first matching entry, upstream globs before models', () => {
    assert.equal(table('azure-eu', 'gpt-4o')?.currency, 'EUR');
    assert.equal(table('openai', 'gpt-4o-mini-2024-07-18')?.input, 0.15);
    assert.equal(table('openai', 'gpt-4o-2024-11-20')?.input, 2.5);
    assert.equal(table('openai', 'gpt-5'), undefined);
  });

  it('each part at its own rate, once: uncached input, cache reads, cache writes, output, reasoning', () => {
    const openai = { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 100_000, totalTokens: 1_100_000, source: 'reported' as const };
    assert.deepEqual(costOf(openai, table('openai', 'gpt-4o')!), { amount: 3, currency: 'USD' }); // 0.6×2.5 + 0.4×1.25 + 0.1×10
    const anthropic = { inputTokens: 2_000_000, cachedInputTokens: 1_000_000, cacheCreationInputTokens: 500_000, outputTokens: 10_000, totalTokens: 2_010_000, source: 'reported' as const };
    assert.deepEqual(costOf(anthropic, table('anthropic', 'claude-sonnet-4-5')!), { amount: 3.825, currency: 'USD' }); // 0.5×3 + 1×0.3 + 0.5×3.75 + 0.01×15
    const reasoning = { inputTokens: 1000, outputTokens: 500, reasoningTokens: 200, totalTokens: 1500, source: 'reported' as const };
    assert.deepEqual(costOf(reasoning, { model: 'x', input: 1, output: 2, reasoning: 8 }), { amount: 0.0032, currency: 'USD' }); // (1000×1 + 300×2 + 200×8)/1e6
  });

  it('an entry an earlier one always takes is reported', () => {
    assert.deepEqual(shadowedPrices([{ model: '*', input: 1, output: 1 }, { model: 'gpt-4o', input: 2, output: 8 }]), [[1, 0]]);
    assert.deepEqual(shadowedPrices([{ model: ['a', 'b'], input: 1, output: 1 }, { model: ['b', 'a'], input: 2, output: 8 }]), [[1, 0]]);
    assert.deepEqual(shadowedPrices([{ upstream: 'x', model: '*', input: 1, output: 1 }, { upstream: 'y', model: 'gpt-4o', input: 2, output: 8 }]), []);
    assert.deepEqual(shadowedPrices([{ model: 'gpt-4o*', input: 1, output: 1 }, { model: 'gpt-4o-mini', input: 2, output: 8 }]), []);
  });
});
