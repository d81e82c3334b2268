import assert from 'node:assert/strict';
import { classifyEndpoint } from '../../../gateway/core/endpoints';
import { describeBody, describeRequest } from '../../../gateway/core/inference-request';

describe('core: endpoints and body facts', () => {
  const endpoints: [string, string][] = [
    ['/v1/chat/completions', 'chat'],
    ['/openai/v1/chat/completions', 'chat'],
    ['/v1/completions', 'completions'],
    ['/v1/responses', 'responses'],
    ['/v1/embeddings', 'embeddings'],
    ['/v1/fine_tuning/jobs', 'fine-tuning'],
    ['/v1/fine_tuning/jobs/ftjob-1/cancel', 'fine-tuning'],
    ['/v1/files', 'files'],
    ['/v1/models', 'models'],
    ['/v1/models/gpt-4o', 'models'],
    ['/v1/messages', 'messages'],
    ['/v1/images/generations', 'images'],
    ['/v1/audio/transcriptions', 'audio'],
    ['/v1/moderations', 'moderations'],
    ['/v1/batches', 'batches'],
    ['/internal/export-weights', 'other'],
  ];
  for (const [path, kind] of endpoints) {
    it(`classifies ${path} as ${kind}`, () => assert.equal(classifyEndpoint(path), kind));
  }

  it('reads model, stream, token cap and prompt text from chat, responses and Anthropic bodies', () => {
    assert.deepEqual(describeBody({ model: 'gpt-4o', stream: true, max_tokens: 5, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'hi' }] }] }), {
      model: 'gpt-4o', stream: true, maxTokens: 5, promptText: 'be brief\nhi',
    });
    assert.deepEqual(describeBody({ model: 'o1', input: [{ role: 'user', content: [{ type: 'input_text', text: 'q' }] }], max_output_tokens: 9, instructions: 'sys' }), {
      model: 'o1', stream: false, maxTokens: 9, promptText: 'sys\nq',
    });
    assert.deepEqual(describeBody({ model: 'claude', system: 'rules', messages: [{ role: 'user', content: 'x' }], max_tokens: 100 }), {
      model: 'claude', stream: false, maxTokens: 100, promptText: 'rules\nx',
    });
    assert.deepEqual(describeBody({ model: 'e', input: ['a', 'b'] }), { model: 'e', stream: false, maxTokens: undefined, promptText: 'a\nb' });
    assert.deepEqual(describeBody(null), { stream: false, promptText: '' });
    assert.deepEqual(describeBody([1, 2]), { stream: false, promptText: '' });
  });
});

describe('core: describeRequest (the one InferenceRequest assembly)', () => {
  const target = { method: 'POST', path: '/v1/chat/completions', upstream: 'openai', bodyBytes: 64 };

  it('takes the endpoint from the path and model, stream, prompt and token cap from the body facts', () => {
    const facts = describeBody({ model: 'gpt-4o', stream: true, max_tokens: 9, messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(describeRequest(target, facts), {
      method: 'POST', path: '/v1/chat/completions', endpoint: 'chat', upstream: 'openai', model: 'gpt-4o', stream: true, promptText: 'hi', maxTokens: 9, bodyBytes: 64,
    });
  });

  it('an explicit endpoint wins over the path', () => {
    assert.equal(describeRequest({ ...target, path: '/custom/run', endpoint: 'fine-tuning' }, describeBody(undefined)).endpoint, 'fine-tuning');
    assert.equal(describeRequest({ ...target, path: '/custom/run' }, describeBody(undefined)).endpoint, 'other');
  });
});
