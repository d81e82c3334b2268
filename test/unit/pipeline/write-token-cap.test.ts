import assert from 'node:assert/strict';
import { joinParts } from '../../../gateway/core/byte-parts';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { writeTokenCap } from '../../../gateway/pipeline/write-token-cap';

/** The fields the stage reads and writes, on an otherwise empty exchange. */
function exchange(fields: Partial<Exchange>): Exchange {
  return fields as Exchange;
}

describe('pipeline/write-token-cap', () => {
  const stage = writeTokenCap();

  it('adds a member the body lacked to its bytes as sent (blanks and escapes kept)', () => {
    const body = Buffer.from(' {"model":"m", "messages":[{"content":"caf\\u00e9"}]}');
    const x = exchange({ body, json: { ...JSON.parse(body.toString()), max_tokens: 100 }, tokenCap: { added: 'max_tokens', limit: 100 } });
    stage(x);
    assert.equal(joinParts(x.upstreamBody!).toString(), ' {"max_tokens":100,"model":"m", "messages":[{"content":"caf\\u00e9"}]}');
  });

  it('re-serializes the parsed body when a value was changed in place', () => {
    const body = Buffer.from('{"model":"m","max_tokens":5000}');
    const x = exchange({ body, json: { model: 'm', max_tokens: 100 }, tokenCap: { limit: 100 } });
    stage(x);
    assert.equal(joinParts(x.upstreamBody!).toString(), '{"model":"m","max_tokens":100}');
  });

  it('leaves a body masking rewrote as it is: masking serialized the parsed body, cap included', () => {
    const masked = Buffer.from('{"model":"m","messages":[{"content":"[EMAIL]"}],"max_tokens":100}');
    const x = exchange({ body: Buffer.from('{"model":"m","messages":[{"content":"a@b.io"}]}'), json: {}, upstreamBody: masked, tokenCap: { added: 'max_tokens', limit: 100 } });
    stage(x);
    assert.equal(x.upstreamBody, masked);
  });

  it('does nothing without a cap', () => {
    const x = exchange({ body: Buffer.from('{}'), json: {} });
    stage(x);
    assert.equal(x.upstreamBody, undefined);
  });
});
