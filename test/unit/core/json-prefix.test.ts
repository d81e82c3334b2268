import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jsonPrefix } from '../../../gateway/core/json-prefix';
import { partsTable } from '../../builders/string-parts';

/** The reference: serialize everything, then cut. */
function reference(value: unknown, max: number): { text: string; complete: boolean } {
  const full = JSON.stringify(value) ?? 'null';
  return { text: full.slice(0, max), complete: full.length <= max };
}

/** `run()`'s result and the length of each string JSON.stringify was given meanwhile. */
function stringsSerialized<T>(run: () => T): { result: T; seen: number[] } {
  const seen: number[] = [];
  const original = JSON.stringify;
  JSON.stringify = ((v: unknown, ...rest: never[]) => {
    if (typeof v === 'string') seen.push(v.length);
    return original(v, ...rest);
  }) as typeof JSON.stringify;
  try {
    return { result: run(), seen };
  } finally {
    JSON.stringify = original;
  }
}

describe('core/json-prefix', () => {
  const values: [name: string, value: unknown][] = [
    ['a chat body', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello "world"\n\u2028 ok' }], max_tokens: 5, stream: true, n: null }],
    ['escapes at every cut', { s: '\u0000\u001f"\\/\b\f\n\r\t\u007f\u2028\u2029é€' }],
    ['surrogate pairs', { s: 'a\u{1F600}b\u{1F4A9}\u{1F600}', t: ['\u{1F600}'] }],
    ['lone surrogates', { s: 'x\ud800y\udc00z\ud83d' }],
    ['nested arrays and objects', [[], {}, [{}], { a: [[1, 2], { b: [] }] }, 'end']],
    ['members JSON.stringify leaves out', { a: undefined, f: () => 1, b: 2, arr: [undefined, () => 1, Symbol('s')] }],
    ['numbers', { n: [0, -0, 1e21, 1.5e-7, NaN, Infinity, -1] }],
    ['toJSON', { d: new Date(0), o: { toJSON: () => ({ x: 'y' }) } }],
    ['a key needing escapes', { 'k"\n': 'v', '\u{1F600}': 1 }],
    ['a bare string', 'just "text" \u{1F600}'],
    ['scalars', [true, false, null]],
  ];
  for (const [name, value] of values) {
    it(`equals JSON.stringify cut at every length: ${name}`, () => {
      const full = JSON.stringify(value)!;
      for (let max = 0; max <= full.length + 2; max++) assert.deepEqual(jsonPrefix(value, max), reference(value, max), `max ${max}`);
    });
    it(`equals it at every length with every string escaped run by run (as a long one is): ${name}`, () => {
      const full = JSON.stringify(value)!;
      for (let max = 0; max <= full.length + 2; max++) assert.deepEqual(jsonPrefix(value, max, undefined, 0), reference(value, max), `max ${max}`);
    });
  }

  it('with `keep`, an incomplete text is its first `keep` characters (completeness still judged at `max`)', () => {
    for (const [name, value] of values) {
      const full = JSON.stringify(value)!;
      for (let max = 0; max <= full.length + 2; max++) {
        for (const keep of [0, 1, max >> 1, max - 1, max, max + 5]) {
          const ref = reference(value, max);
          const want = ref.complete ? ref : { text: ref.text.slice(0, Math.max(0, keep)), complete: false };
          assert.deepEqual(jsonPrefix(value, max, undefined, undefined, keep), want, `${name}, max ${max}, keep ${keep}`);
          assert.deepEqual(jsonPrefix(value, max, undefined, 0, keep), want, `${name}, run by run, max ${max}, keep ${keep}`);
        }
      }
    }
  });

  it('equals it with member strings given as parts cut anywhere (a pair\'s halves apart too), at every length', () => {
    for (const [name, value] of values) {
      const full = JSON.stringify(value)!;
      for (let seed = 1; seed <= 8; seed++) {
        const { partsOf } = partsTable(value, seed);
        for (let max = 0; max <= full.length + 2; max++) assert.deepEqual(jsonPrefix(value, max, partsOf), reference(value, max), `${name}, seed ${seed}, max ${max}`);
      }
    }
  });

  it('equals JSON.stringify cut, on the bench bodies and large generated ones', () => {
    const dir = join(__dirname, '../../../bench/bodies');
    const bodies: unknown[] = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    bodies.push({ messages: Array.from({ length: 300 }, (_, i) => ({ role: 'user', content: `message ${i} \u{1F600} "q"`.repeat(i % 7) })) });
    for (const body of bodies) {
      const len = JSON.stringify(body).length;
      for (const max of [1, 17, 100, 1000, len - 1, len, len + 1, 65536]) assert.deepEqual(jsonPrefix(body, max), reference(body, max), `max ${max}`);
    }
  });

  it('serializes no further than the cut (a 4 MB string costs what its first 64 KB cost)', () => {
    const { result: r, seen } = stringsSerialized(() => jsonPrefix({ messages: [{ role: 'user', content: 'x'.repeat(4 << 20) }] }, 65536));
    assert.equal(r.complete, false);
    assert.equal(r.text.length, 65536);
    assert.ok(Math.max(0, ...seen) <= 65537, `largest string serialized: ${Math.max(...seen)} characters`);
  });

  it('serializes no part of a long string given as parts: the audit bound of a 1 MB prompt copies only the text it keeps', () => {
    const prompt = 'notes "q"\n'.repeat(100_000);
    const parts = [prompt.slice(0, 500_000), '[EMAIL]', prompt.slice(500_000)];
    const body = { messages: [{ role: 'user', content: parts.join('') }] };
    const { result: r, seen } = stringsSerialized(() => jsonPrefix(body, 262_144, (_container, key) => (key === 'content' ? parts : undefined)));
    assert.deepEqual(r, reference(body, 262_144));
    assert.ok(Math.max(0, ...seen) < 100, `longest string serialized: ${Math.max(...seen)} characters`);
  });
});
