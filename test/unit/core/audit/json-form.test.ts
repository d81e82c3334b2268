import assert from 'node:assert/strict';
import { jsonFormProblem } from '../../../../gateway/core/audit/json-form';

/** Random plain JSON values (what records hold): nested objects and arrays, numbers of every magnitude, strings with escapes and astral characters. */
function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 5 : 7));
  const chars = ['a', 'é', '€', '😀', '"', '\\', '\n', '\u0001', '\u001f', '\u007f', '/', ' ', '\u2028', '<', '0'];
  const str = () => Array.from({ length: Math.floor(rand() * 6) }, () => chars[Math.floor(rand() * chars.length)]).join('');
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return [0, -1, 1e21, 1e-7, 123.456, -0, 2 ** 53, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, Math.PI * 1e15][Math.floor(rand() * 11)];
    case 3: return str();
    case 4: return Math.floor(rand() * 1e6) * (rand() < 0.5 ? -1 : 1);
    case 5: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, (_, i) => [i % 2 ? str() + i : String(i * 7), randomValue(rand, depth + 1)]));
  }
}

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('core/audit/json-form (line format 2: one form per value, unique member names)', () => {
  it('accepts what JSON.stringify writes for plain data (1,000 random records)', () => {
    const rand = seeded(7);
    for (let n = 0; n < 1000; n++) {
      const text = JSON.stringify({ v: 2, body: randomValue(rand) });
      assert.equal(jsonFormProblem(text), undefined, text);
    }
    assert.equal(jsonFormProblem('{"a":{},"b":[],"c":[[],{}],"d":"","e":"\\u0000\\u001f\\b\\t\\n\\f\\r\\"\\\\"}'), undefined);
  });

  const rejected: [string, string, RegExp][] = [
    ['whitespace between tokens', '{"a": 1}', /unexpected " " where a value starts/],
    ['whitespace after the object', '{"a":1} ', /after the end of the object/],
    ['a repeated member name', '{"a":1,"b":2,"a":3}', /member name "a" appears twice/],
    ['a repeated name in a nested object', '{"a":[{"x":1,"x":1}]}', /member name "x" appears twice/],
    ['a name written with another escape is the same name', '{"é":1,"\\u00e9":2}', /escape \\u00e9 is not in its one form/],
    ['a number with a trailing zero', '{"a":1.0}', /number 1.0 is not in its shortest form \(1\)/],
    ['an exponent where ECMAScript writes digits', '{"a":1e2}', /number 1e2 is not in its shortest form \(100\)/],
    ['1e21 without its plus sign', '{"a":1e21}', /number 1e21 is not in its shortest form \(1e\+21\)/],
    ['minus zero', '{"a":-0}', /number -0 is not in its shortest form \(0\)/],
    ['more digits than the double holds', '{"a":9007199254740993}', /not in its shortest form \(9007199254740992\)/],
    ['a number out of the double range', '{"a":1e400}', /out of the double range/],
    ['a leading zero', '{"a":01}', /unexpected "1"/],
    ["an escaped solidus", '{"a":"\\/"}', /escape \\\/ is not in its one form/],
    ['an escaped letter', '{"a":"\\u0041"}', /escape \\u0041 is not in its one form/],
    ['a control character escaped the long way', '{"a":"\\u000a"}', /escape \\u000a is not in its one form/],
    ['upper-case hex in an escape', '{"a":"\\u001F"}', /escape \\u001F is not in its one form/],
    ['an escaped lone surrogate', '{"a":"\\ud800"}', /escape \\ud800 is not in its one form/],
    ['a raw lone surrogate', '{"a":"x\ud800"}', /lone surrogate/],
    ['a raw control character', '{"a":"x\ty"}', /control character U\+0009 unescaped/],
    ['a trailing comma', '{"a":1,}', /where a member name belongs/],
    ['an unterminated string', '{"a":"x', /unterminated string/],
    ['a top-level array', '[1]', /not a JSON object/],
    ['a truncated text', '{"a":[1,', /ends inside a value/],
  ];
  for (const [what, text, message] of rejected) {
    it(`rejects ${what}`, () => assert.match(jsonFormProblem(text) ?? 'accepted', message));
  }
});
