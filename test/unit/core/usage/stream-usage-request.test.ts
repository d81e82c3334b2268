import assert from 'node:assert/strict';
import { joinParts } from '../../../../gateway/core/byte-parts';
import { withStreamUsage } from '../../../../gateway/core/usage/stream-usage-request';

describe('core/usage: asking a stream for its usage', () => {
  const ask = (text: string) => {
    const out = withStreamUsage(JSON.parse(text), Buffer.from(text));
    return out && joinParts(out).toString();
  };

  it('a body without stream_options gets the member first; every other byte stays as sent', () => {
    assert.equal(ask('{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"h\\u00e9"}]}'),
      '{"stream_options":{"include_usage":true},"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"h\\u00e9"}]}');
    assert.equal(ask(' \n{ "stream": true }'), ' \n{"stream_options":{"include_usage":true}, "stream": true }');
  });

  it('stream_options without include_usage, or with it false or null: set, the other options kept', () => {
    assert.deepEqual(JSON.parse(ask('{"stream":true,"stream_options":{"include_obfuscation":false}}')!), { stream: true, stream_options: { include_obfuscation: false, include_usage: true } });
    assert.deepEqual(JSON.parse(ask('{"stream":true,"stream_options":{"include_usage":false}}')!).stream_options, { include_usage: true });
    assert.deepEqual(JSON.parse(ask('{"stream":true,"stream_options":null}')!).stream_options, { include_usage: true });
  });

  it('already asking, a stream_options that is not an object, or no object body: left alone', () => {
    assert.equal(ask('{"stream":true,"stream_options":{"include_usage":true}}'), undefined);
    assert.equal(ask('{"stream":true,"stream_options":"yes"}'), undefined);
    assert.equal(ask('[1]'), undefined);
    assert.equal(ask('{}'), undefined);
  });

  it('a big prompt is not copied: the member is a part of its own before the body\'s bytes (issue 23)', () => {
    const text = `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"${'a'.repeat(1 << 20)}"}]}`;
    const body = Buffer.from(text);
    const out = withStreamUsage(JSON.parse(text), body) as Buffer[];
    assert.ok(Array.isArray(out), 'parts, not one new buffer');
    assert.equal(out.at(-1)!.buffer, body.buffer);
    assert.equal(joinParts(out).toString(), `{"stream_options":{"include_usage":true},${text.slice(1)}`);
  });
});
