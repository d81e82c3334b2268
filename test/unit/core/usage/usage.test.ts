import assert from 'node:assert/strict';
import { normalizeUsage, usageOfBody, usageDialect } from '../../../../gateway/core/usage/usage';

/**
 * The providers' documented usage objects (OpenAI API reference: the chat completion object,
 * the completion object, the embedding list, the response object; Anthropic Messages API: the
 * message object's usage), normalized to one shape: whole input and output, with the cached,
 * cache-write and reasoning parts inside them.
 */
describe('core/usage: normalized usage from the documented formats', () => {
  it('OpenAI chat completion: cached tokens are a part of prompt_tokens, reasoning a part of completion_tokens', () => {
    const body = {
      id: 'chatcmpl-1', object: 'chat.completion', model: 'o4-mini', choices: [],
      usage: {
        prompt_tokens: 1486, completion_tokens: 651, total_tokens: 2137,
        prompt_tokens_details: { cached_tokens: 1408, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 512, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
    };
    assert.deepEqual(usageOfBody(body, 'openai'), { inputTokens: 1486, cachedInputTokens: 1408, outputTokens: 651, reasoningTokens: 512, totalTokens: 2137, source: 'reported' });
  });

  it('OpenAI without details, and zero details, has no parts', () => {
    assert.deepEqual(normalizeUsage({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 }, 'openai'), { inputTokens: 9, outputTokens: 12, totalTokens: 21, source: 'reported' });
    assert.deepEqual(normalizeUsage({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } }, 'openai'),
      { inputTokens: 9, outputTokens: 12, totalTokens: 21, source: 'reported' });
  });

  it('OpenAI embeddings: prompt_tokens and total_tokens only', () => {
    assert.deepEqual(usageOfBody({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model: 'text-embedding-3-small', usage: { prompt_tokens: 8, total_tokens: 8 } }, 'openai'),
      { inputTokens: 8, outputTokens: 0, totalTokens: 8, source: 'reported' });
  });

  it('OpenAI Responses API: input_tokens / output_tokens with their _details', () => {
    const body = { id: 'resp_1', object: 'response', status: 'completed', output: [], usage: { input_tokens: 328, input_tokens_details: { cached_tokens: 128 }, output_tokens: 52, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 380 } };
    assert.deepEqual(usageOfBody(body, 'openai'), { inputTokens: 328, cachedInputTokens: 128, outputTokens: 52, reasoningTokens: 20, totalTokens: 380, source: 'reported' });
  });

  it('Anthropic message: the whole input is input_tokens + cache reads + cache writes; no total is sent, it is summed', () => {
    const body = { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 21, cache_creation_input_tokens: 188086, cache_read_input_tokens: 0, output_tokens: 393, service_tier: 'standard' } };
    assert.deepEqual(usageOfBody(body, 'anthropic'), { inputTokens: 188107, cacheCreationInputTokens: 188086, outputTokens: 393, totalTokens: 188500, source: 'reported' });
    assert.deepEqual(normalizeUsage({ input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: null, output_tokens: 7 }, 'anthropic'),
      { inputTokens: 105, cachedInputTokens: 100, outputTokens: 7, totalTokens: 112, source: 'reported' });
  });

  it('no counts, null usage, or values that are not token counts: no usage', () => {
    assert.equal(usageOfBody({ id: 'x', choices: [] }, 'openai'), undefined);
    assert.equal(usageOfBody({ usage: null }, 'openai'), undefined);
    assert.equal(normalizeUsage({ prompt_tokens: -1, completion_tokens: 'many' }, 'openai'), undefined);
    assert.equal(normalizeUsage({ prompt_tokens: 1.5 }, 'openai'), undefined);
    assert.equal(usageOfBody([1, 2], 'openai'), undefined);
  });

  it('a cached or reasoning part larger than its whole is capped at the whole', () => {
    assert.deepEqual(normalizeUsage({ prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 50 }, completion_tokens_details: { reasoning_tokens: 9 } }, 'openai'),
      { inputTokens: 10, cachedInputTokens: 10, outputTokens: 2, reasoningTokens: 2, totalTokens: 12, source: 'reported' });
  });

  it('the dialect follows the endpoint: Anthropic messages, OpenAI for the rest', () => {
    assert.equal(usageDialect('messages'), 'anthropic');
    assert.equal(usageDialect('chat'), 'openai');
    assert.equal(usageDialect(undefined), 'openai');
  });
});
