import assert from 'node:assert/strict';
import { prependMember } from '../../../gateway/core/json-member';

describe('core/json-member prependMember', () => {
  const cases: [text: string, expected: string | undefined][] = [
    ['{"a":1}', '{"max_tokens":7,"a":1}'],
    ['{}', '{"max_tokens":7}'],
    [' \t\r\n{ \n } ', ' \t\r\n{"max_tokens":7 \n } '],
    ['\n{ "a" : [1,{"b":2}] }', '\n{"max_tokens":7, "a" : [1,{"b":2}] }'],
    ['[{"a":1}]', undefined],
    ['"{"', undefined],
    ['', undefined],
    ['  ', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${JSON.stringify(expected)}`, () => {
      const out = prependMember(Buffer.from(text), 'max_tokens', 7);
      assert.equal(out && Buffer.concat(out).toString(), expected);
      if (out) assert.deepEqual(JSON.parse(Buffer.concat(out).toString()), { max_tokens: 7, ...JSON.parse(text) });
    });
  }

  it('keeps every other byte as sent (escapes, non-ASCII, blanks)', () => {
    const text = '{"content":"caf\\u00e9 ☕ \\/ \\ud83d\\ude00",  "n" :1.50}';
    assert.equal(Buffer.concat(prependMember(Buffer.from(text), 'k', 'v"')!).toString(), '{"k":"v\\"","content":"caf\\u00e9 ☕ \\/ \\ud83d\\ude00",  "n" :1.50}');
  });

  it('does not copy the text: what follows the brace is a view of the bytes given (a 4 MB prompt stays where it is)', () => {
    const text = Buffer.from(`{"messages":[{"content":"${'x'.repeat(1 << 20)}"}]}`);
    const out = prependMember(text, 'max_tokens', 7)!;
    assert.equal(out.at(-1)!.buffer, text.buffer);
    assert.equal(out.at(-1)!.byteOffset, text.byteOffset + 1);
    assert.equal(Buffer.concat(out).toString(), `{"max_tokens":7,${text.subarray(1)}`);
  });

  it('adds in front of a text already in parts (a cap, then the stream usage member), blanks and an object in pieces included', () => {
    const once = prependMember(Buffer.from(' {"a":1}'), 'max_tokens', 7)!;
    assert.equal(Buffer.concat(prependMember(once, 'stream_options', { include_usage: true })!).toString(), ' {"stream_options":{"include_usage":true},"max_tokens":7,"a":1}');
    const pieces = [Buffer.from(' '), Buffer.from('\n'), Buffer.from(' {'), Buffer.from(' '), Buffer.from('}')];
    assert.equal(Buffer.concat(prependMember(pieces, 'n', 1)!).toString(), ' \n {"n":1 }');
    assert.equal(prependMember([Buffer.from(' '), Buffer.from('[{}]')], 'n', 1), undefined);
    assert.equal(prependMember([], 'n', 1), undefined);
  });
});
