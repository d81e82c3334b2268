import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jsonBytes } from '../../../gateway/core/json-bytes';
import { partsTable } from '../../builders/string-parts';

/** The reference: one JSON.stringify, then encoded. */
const reference = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('core/json-bytes', () => {
  const values: [name: string, value: unknown][] = [
    ['a chat body', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello "world"\n\u2028 ok' }], max_tokens: 5, stream: true, n: null }],
    ['escapes', { s: '\u0000\u001f"\\/\b\f\n\r\t\u007f\u2028\u2029é€' }],
    ['surrogate pairs', { s: 'a\u{1F600}b\u{1F4A9}\u{1F600}', t: ['\u{1F600}\u{1F600}'] }],
    ['lone surrogates', { s: 'x\ud800y\udc00z\ud83d', t: '\ud83d', u: '\udc00\ud83d\ud83d\ude00' }],
    ['nested arrays and objects', [[], {}, [{}], { a: [[1, 2], { b: [] }] }, 'end of a longer string']],
    ['members JSON.stringify leaves out', { a: undefined, f: () => 1, b: 'two words', arr: [undefined, () => 1, Symbol('s'), 'three words'] }],
    ['numbers', { n: [0, -0, 1e21, 1.5e-7, NaN, Infinity, -1], s: 'some text' }],
    ['toJSON', { d: new Date(0), o: { toJSON: () => ({ x: 'a long enough text' }) }, s: 'after them' }],
    ['a key needing escapes', { 'k"\n': 'value text', '\u{1F600}': 'another value' }],
    ['a bare string', 'just "text" \u{1F600} and more'],
  ];
  for (const [name, value] of values) {
    it(`equals Buffer.from(JSON.stringify()) with strings cut in chunks of any size: ${name}`, () => {
      for (const chunk of [1, 2, 3, 5, 8, 16_384]) assert.deepEqual(jsonBytes(value, undefined, chunk), reference(value), `chunks of ${chunk}`);
    });
    it(`equals it with member strings given as parts cut anywhere (a pair's halves apart too): ${name}`, () => {
      for (let seed = 1; seed <= 20; seed++) {
        const parts = partsTable(value, seed);
        for (const chunk of [1, 3, 16_384]) assert.deepEqual(jsonBytes(value, parts.partsOf, chunk), reference(value), `seed ${seed}, chunks of ${chunk}`);
      }
    });
  }

  it('equals it on the bench bodies and a big one', () => {
    const dir = join(__dirname, '../../../bench/bodies');
    const bodies: unknown[] = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    bodies.push({ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'notes \u{1F600} "q"\n'.repeat(50_000) }] });
    for (const body of bodies) assert.deepEqual(jsonBytes(body), reference(body));
  });

  it('equals it on random strings of the characters JSON escapes, in random parts', () => {
    // Controls, quote, backslash, both surrogate halves (paired and alone), non-ASCII, plain text.
    const alphabet = ['a', 'b c', 'é', '€', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\ud83d', '\ude00', '\u{1F600}'];
    let s = 7;
    const next = (n: number) => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s % n;
    };
    for (let i = 0; i < 500; i++) {
      let text = '';
      for (let n = next(40); n > 0; n--) text += alphabet[next(alphabet.length)];
      const value = { s: text, t: [text, 'x'] };
      assert.deepEqual(jsonBytes(value, undefined, 0), reference(value), JSON.stringify(text));
      assert.deepEqual(jsonBytes(value, partsTable(value, i + 1).partsOf, 0), reference(value), JSON.stringify(text));
    }
  });

  it('never serializes a long string: no JSON.stringify call gets any of it (each would be a copy of the prompt)', () => {
    const seen: number[] = [];
    const original = JSON.stringify;
    JSON.stringify = ((v: unknown, ...rest: never[]) => {
      seen.push(typeof v === 'string' ? v.length : (original(v) ?? '').length);
      return original(v, ...rest);
    }) as typeof JSON.stringify;
    let out: Buffer;
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x\n'.repeat(1 << 20) }] };
    try {
      out = jsonBytes(body);
    } finally {
      JSON.stringify = original;
    }
    assert.deepEqual(out, reference(body));
    assert.ok(Math.max(...seen) < 100, `longest serialized: ${Math.max(...seen)} characters`);
  });
});
