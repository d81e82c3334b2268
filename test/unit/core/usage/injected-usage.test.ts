import assert from 'node:assert/strict';
import { InjectedUsageStripper } from '../../../../gateway/core/usage/injected-usage';

/**
 * OpenAI's stream_options.include_usage (API reference, "Chat Completions: stream_options"): "an
 * additional chunk will be streamed before the data: [DONE] message ... the choices field will
 * always be an empty array. All other chunks will also include a usage field, but with a null
 * value." The stripper must turn the stream with usage back into the stream without it.
 */
describe('core/usage: the stream the client asked for, without the usage the gateway asked for', () => {
  const chunk = (delta: string, finish: string | null, usage: boolean) =>
    `data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]${usage ? ',"usage":null' : ''}}\n\n`;
  const stream = (usage: boolean) => [
    chunk('{"role":"assistant","content":"","refusal":null}', null, usage),
    chunk('{"content":"The \\"usage\\":null word"}', null, usage),
    chunk('{"content":" stays."}', null, usage),
    chunk('{}', 'stop', usage),
    ...(usage ? ['data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_1","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":4,"total_tokens":16,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}\n\n'] : []),
    'data: [DONE]\n\n',
  ].join('');

  const strip = (pieces: string[]) => {
    const s = new InjectedUsageStripper();
    return pieces.map((p) => s.push(p)).join('') + s.end();
  };

  it('whole: the same text as the stream that never asked', () => {
    assert.equal(strip([stream(true)]), stream(false));
  });

  it('cut at every character: the same text', () => {
    const withUsage = stream(true);
    for (let i = 1; i < withUsage.length; i++) assert.equal(strip([withUsage.slice(0, i), withUsage.slice(i)]), stream(false), `cut at ${i}`);
  });

  it('usage as the first member, with spaces, or the only one; CRLF framing', () => {
    assert.equal(strip(['data: {"usage": null, "id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n']), 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n');
    assert.equal(strip(['data: {"usage":null}\n\n']), 'data: {}\n\n');
    assert.equal(strip([stream(true).replace(/\n/g, '\r\n')]), stream(false).replace(/\n/g, '\r\n'));
  });

  it('a usage object on a chunk with choices (a server that reports it on every chunk) is cut out, the chunk kept', () => {
    assert.equal(strip(['data: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n']), 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n');
  });

  it('events without usage pass untouched, comments and [DONE] included', () => {
    const other = ': keep-alive\n\ndata: {"id":"c","choices":[]}\n\ndata: [DONE]\n\n';
    assert.equal(strip([other]), other);
  });
});
