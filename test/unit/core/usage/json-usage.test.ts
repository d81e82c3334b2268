import assert from 'node:assert/strict';
import { JsonUsageReader } from '../../../../gateway/core/usage/json-usage';

describe('core/usage: usage of a whole JSON response, read from its end', () => {
  const read = (body: string, dialect: 'openai' | 'anthropic' = 'openai', pieces = 1) => {
    const r = new JsonUsageReader(dialect);
    const bytes = Buffer.from(body);
    const step = Math.ceil(bytes.length / pieces);
    for (let i = 0; i < bytes.length; i += step) r.push(bytes.subarray(i, i + step));
    return r.end();
  };

  it('an embeddings list far larger than the tail: usage is last', () => {
    const vectors = Array.from({ length: 40 }, (_, i) => ({ object: 'embedding', index: i, embedding: Array.from({ length: 256 }, (_, j) => Math.sin(i + j)) }));
    const body = JSON.stringify({ object: 'list', data: vectors, model: 'text-embedding-3-small', usage: { prompt_tokens: 80, total_tokens: 80 } });
    assert.ok(body.length > 100_000);
    for (const pieces of [1, 7, 500]) assert.deepEqual(read(body, 'openai', pieces), { inputTokens: 80, outputTokens: 0, totalTokens: 80, source: 'reported' });
  });

  it('a Responses object: usage before user and metadata; a text that quotes a usage object does not count', () => {
    const body = JSON.stringify({ id: 'resp_1', object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text: 'here: "usage":{"input_tokens":999}' }] }], usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 2 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 }, user: null, metadata: { note: '"usage":{"input_tokens":7}' } });
    assert.deepEqual(read(body), { inputTokens: 10, cachedInputTokens: 2, outputTokens: 5, totalTokens: 15, source: 'reported' });
  });

  it('an Anthropic message, pretty-printed', () => {
    const body = JSON.stringify({ id: 'msg_1', type: 'message', content: [{ type: 'text', text: 'Hi' }], usage: { input_tokens: 3, cache_read_input_tokens: 7, output_tokens: 2 } }, null, 2);
    assert.deepEqual(read(body, 'anthropic'), { inputTokens: 10, cachedInputTokens: 7, outputTokens: 2, totalTokens: 12, source: 'reported' });
  });

  it('no usage, an error body, or not JSON: none', () => {
    assert.equal(read('{"error":{"message":"bad","type":"invalid_request_error"}}'), undefined);
    assert.equal(read('<html>usage</html>'), undefined);
    assert.equal(read('{"usage":null}'), undefined);
  });
});
