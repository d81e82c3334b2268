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
      assert.equal(out?.toString(), expected);
      if (out) assert.deepEqual(JSON.parse(out.toString()), { max_tokens: 7, ...JSON.parse(text) });
    });
  }

  it('keeps every other byte as sent (escapes, non-ASCII, blanks)', () => {
    const text = '{"content":"caf\\u00e9 ☕ \\/ \\ud83d\\ude00",  "n" :1.50}';
    assert.equal(prependMember(Buffer.from(text), 'k', 'v"')!.toString(), '{"k":"v\\"","content":"caf\\u00e9 ☕ \\/ \\ud83d\\ude00",  "n" :1.50}');
  });
});
