import assert from 'node:assert/strict';
import { parseStrictJson } from '../../../gateway/core/strict-json';

describe('core/strict-json', () => {
  const duplicates: [name: string, text: string, member: string][] = [
    ['a plain repeated member', '{"sub":"alice","sub":"admin"}', 'sub'],
    ['the second name written with a \\u escape', '{"sub":"alice","\\u0073ub":"admin"}', 'sub'],
    ['every character escaped', '{"exp":1,"\\u0065\\u0078\\u0070":2}', 'exp'],
    ['an escaped solidus', '{"a/b":1,"a\\/b":2}', 'a/b'],
    ['a surrogate pair against the raw character', '{"\u{1F600}":1,"\\ud83d\\ude00":2}', '\u{1F600}'],
    ['lone surrogates compare as code units', '{"\\ud800":1,"\\uD800":2}', '\ud800'],
    ['the empty name', '{"":1,"":2}', ''],
    ['in a nested object', '{"a":{"x":1,"y":{"z":1,"z":2}}}', 'z'],
    ['in an object inside an array', '{"groups":[{"n":1},{"n":1,"n":2}]}', 'n'],
    ['after a string value holding quotes and braces', '{"a":"\\"}{\\"a\\":","a":1}', 'a'],
  ];
  for (const [name, text, member] of duplicates) {
    it(`refuses a duplicate member: ${name}`, () => {
      const r = parseStrictJson(text);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.problem === 'duplicate', JSON.stringify(r));
      assert.equal(r.name, member);
    });
  }

  const unique: string[] = [
    '{"sub":"a","Sub":"b","sub ":"c"}',
    '{"a":{"x":1},"b":{"x":1}}',
    '[{"a":1},{"a":1}]',
    '{"a":"sub","sub":"a"}',
    '{"\\u0073ub":1}',
    ' \t\r\n{ "a" : [ 1 , -0.5e+10 , true , false , null , "x" ] } \n',
    '"just a string"',
    '0',
    '{}',
    '[]',
  ];
  for (const text of unique) {
    it(`accepts ${JSON.stringify(text)} with the value JSON.parse gives`, () => {
      const r = parseStrictJson(text);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(r.value, JSON.parse(text));
    });
  }

  const invalid: string[] = [
    '', ' ', '{', '}', '{"a":1,}', '[1,]', '{"a" 1}', '{a:1}', "{'a':1}", '{"a":01}', '{"a":1.}', '{"a":.5}',
    '{"a":+1}', '{"a":1e}', '{"a":"\u0001"}', '{"a":"\\x41"}', '{"a":"\\u12"}', '{"a":NaN}', '{"a":tru}',
    '{"a":1}}', '{"a":1} x', '{"a":1}{}', '[1 2]', '{"a":1,,"b":2}', '{"a":1 /* c */}', '\u00a0{}', '{"a":"x}',
  ];
  for (const text of invalid) {
    it(`refuses invalid JSON ${JSON.stringify(text)} (as JSON.parse does)`, () => {
      assert.throws(() => JSON.parse(text));
      const r = parseStrictJson(text);
      assert.ok(!r.ok && r.problem === 'syntax', JSON.stringify(r));
    });
  }

  it('agrees with JSON.parse on 5,000 random texts built from JSON tokens', () => {
    const pieces = ['{', '}', '[', ']', ',', ':', '"a"', '"b"', '"\\u0061"', '1', '-0', '2.5e3', 'true', 'null', ' ', '"x\\"y"', '01', '"\\q"'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let accepted = 0;
    for (let n = 0; n < 5000; n++) {
      const text = Array.from({ length: 1 + (next() % 12) }, () => pieces[next() % pieces.length]).join('');
      let parsed: unknown;
      let parses = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        parses = false;
      }
      const r = parseStrictJson(text);
      if (!parses) assert.ok(!r.ok && r.problem === 'syntax', `${text}: ${JSON.stringify(r)}`);
      else if (r.ok) {
        accepted++;
        assert.deepEqual(r.value, parsed, text);
      } else assert.equal(r.problem, 'duplicate', `${text}: ${JSON.stringify(r)}`);
    }
    assert.ok(accepted > 100, `only ${accepted} valid texts were generated`);
  });

  it('handles deep nesting without recursion (100,000 levels)', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = parseStrictJson('{"a":' + deep + ',"a":1}');
    assert.ok(!r.ok && r.problem === 'duplicate');
  });
});
