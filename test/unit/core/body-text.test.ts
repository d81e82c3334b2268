import assert from 'node:assert/strict';
import { bodyText } from '../../../gateway/core/body-text';

describe('core/body-text', () => {
  const bodies: [name: string, body: Buffer][] = [
    ['an empty body', Buffer.alloc(0)],
    ['ASCII JSON with escapes', Buffer.from('{"a":"b\\n\\u00e9 \\ud83d\\ude00","n":[1,2]}')],
    ['UTF-8 JSON (é, €, an emoji)', Buffer.from('{"a":"é € 😀"}')],
    ['invalid UTF-8 (a lone continuation byte, a cut sequence, 0xff)', Buffer.from([0x7b, 0x22, 0x80, 0xe2, 0x82, 0x22, 0xff, 0x7d])],
    ['every ASCII byte', Buffer.from(Array.from({ length: 128 }, (_, i) => i))],
    ['a 2 MB ASCII body', Buffer.from(`{"p":"${'notes on the rollout, owner: platform team. '.repeat(48_000)}"}`)],
    ['a 2 MB body with one non-ASCII character at its end', Buffer.from(`{"p":"${'x'.repeat(2 << 20)}é"}`)],
  ];
  for (const [name, body] of bodies) {
    it(`equals body.toString('utf8'): ${name}`, () => {
      assert.equal(bodyText(body), body.toString('utf8'));
    });
  }

  it('decodes an ASCII body as Latin-1 (a big one becomes an external string, outside V8\'s heap) and any other as UTF-8', () => {
    const seen: (string | undefined)[] = [];
    const original = Buffer.prototype.toString;
    Buffer.prototype.toString = function (this: Buffer, encoding?: BufferEncoding, ...rest: number[]) {
      seen.push(encoding);
      return original.call(this, encoding, ...rest);
    } as typeof original;
    try {
      bodyText(Buffer.from(`{"p":"${'a'.repeat(2 << 20)}"}`));
      bodyText(Buffer.from('{"p":"é"}'));
    } finally {
      Buffer.prototype.toString = original;
    }
    assert.deepEqual(seen, ['latin1', 'utf8']);
  });
});
