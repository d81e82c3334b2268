import assert from 'node:assert/strict';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson, toIJson } from '../../../../gateway/core/audit/canonical-json';
import { GENESIS_HASH, hashRecord, serializeRecord } from '../../../../gateway/core/audit/hash-record';

describe('core/audit/canonical-json (RFC 8785)', () => {
  // RFC 8785 Appendix B: IEEE 754 doubles and their canonical text.
  const numbers: [number, string][] = [
    [0, '0'],
    [-0, '0'],
    [5e-324, '5e-324'],
    [-5e-324, '-5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-1.7976931348623157e308, '-1.7976931348623157e+308'],
    [9007199254740992, '9007199254740992'],
    [-9007199254740992, '-9007199254740992'],
    [295147905179352830000, '295147905179352830000'],
    [9.999999999999997e22, '9.999999999999997e+22'],
    [1e23, '1e+23'],
    [1e21, '1e+21'],
    [999999999999999700000, '999999999999999700000'],
    [999999999999999900000, '999999999999999900000'],
    [1e-7, '1e-7'],
    [0.000001, '0.000001'],
    [333333333.3333333, '333333333.3333333'],
    [4.5, '4.5'],
    [0.002, '0.002'],
    [1e-27, '1e-27'],
  ];
  for (const [n, text] of numbers) {
    it(`number ${text}`, () => assert.equal(canonicalJson(n), text));
  }

  it('rejects NaN and Infinity', () => {
    for (const n of [NaN, Infinity, -Infinity]) assert.throws(() => canonicalJson(n), TypeError);
  });

  it('matches the RFC 8785 §3.2.2 example byte for byte', () => {
    const input = JSON.parse('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}');
    assert.equal(canonicalJson(input), '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts members by UTF-16 code units (RFC 8785 §3.2.3)', () => {
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6'];
    const obj = Object.fromEntries(keys.map((k, i) => [k, i]));
    // Read the order from the text: Object.keys would list the integer-like "1" first whatever the text says.
    const order = [...canonicalJson(obj).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`));
    assert.deepEqual(order, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
  });

  it('rejects lone surrogates; toIJson replaces them', () => {
    assert.throws(() => canonicalJson({ s: 'a\ud800b' }), TypeError);
    assert.throws(() => canonicalJson({ ['\udc00']: 1 }), TypeError);
    assert.equal(canonicalJson(toIJson({ s: 'a\ud800b', n: NaN })), '{"n":null,"s":"a\ufffdb"}');
  });

  it('sorts array-index member names as strings too ("10" before "9"), at any depth', () => {
    const nested = { z: [{ 9: 'a', 10: 'b', x: 'c' }], 4294967295: 1, 0: 2 };
    assert.equal(canonicalJson(nested), '{"0":2,"4294967295":1,"z":[{"10":"b","9":"a","x":"c"}]}');
    assert.equal(canonicalJson(nested), canonicalize(nested));
  });

  it('keeps a member named __proto__ (as JSON.parse makes it) as a member', () => {
    const parsed = JSON.parse('{"b":1,"__proto__":{"hidden":"text"}}');
    assert.equal(canonicalJson(parsed), '{"__proto__":{"hidden":"text"},"b":1}');
  });

  it('leaves out undefined members and writes undefined array items as null', () => {
    assert.equal(canonicalJson({ a: undefined, b: [undefined, 1] }), '{"b":[null,1]}');
  });

  it('agrees with the canonicalize package on arbitrary JSON', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('0', '1', '9', '10', '01', 'a', '__proto__'), fc.jsonValue({ maxDepth: 2 }))), (v) => {
      // canonicalize keeps -0 as "0" too; both follow ECMAScript number serialization.
      assert.equal(canonicalJson(v), canonicalize(v));
    }), { numRuns: 300 });
  });

  it('writes every string byte for byte as JSON.stringify does (its fast path for strings needing no escape)', () => {
    const chars = fc.oneof(
      fc.constantFrom('"', '\\', '/', '\u0000', '\u001f', '\u0020', '\u007f', '\u2028', '\u2029', '\ud83d\ude00', '\ufffd', '\u00e9', '\b', '\f', '\n', '\r', '\t'),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.string({ maxLength: 4 }),
    );
    const text = fc.array(chars, { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(fc.property(text, fc.dictionary(text, text, { maxKeys: 4 }), (s, o) => {
      assert.equal(canonicalJson(s), JSON.stringify(s));
      assert.equal(canonicalJson(o), `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(o[k])}`).join(',')}}`);
    }), { numRuns: 1000 });
  });

  it('survives a parse round trip (what the verifier re-hashes)', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('0', '1', '9', '10', '01', 'a', '__proto__'), fc.jsonValue({ maxDepth: 2 }))), (v) => {
      assert.equal(canonicalJson(JSON.parse(canonicalJson(v))), canonicalJson(v));
    }), { numRuns: 300 });
  });
});

describe('core/audit/hash-record', () => {
  const record = { id: 'r1', seq: 1, prev: GENESIS_HASH, time: '2025-01-01T00:00:00.000Z', kind: 'checkpoint', chain: 'gw-1', n: 1.5 };

  it('is SHA-256 of prev followed by the canonical JSON without hash', async () => {
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(GENESIS_HASH + canonicalJson(record)).digest('hex');
    assert.equal(hashRecord(record.prev, record), expected);
    assert.equal(hashRecord(record.prev, { ...record, hash: 'ignored' }), expected);
  });

  it('does not depend on member order, and changes with any field', () => {
    const reordered = Object.fromEntries(Object.entries(record).reverse());
    assert.equal(hashRecord(GENESIS_HASH, reordered), hashRecord(GENESIS_HASH, record));
    assert.notEqual(hashRecord(GENESIS_HASH, { ...record, n: 1.25 }), hashRecord(GENESIS_HASH, record));
    assert.notEqual(hashRecord('1'.repeat(64), record), hashRecord(GENESIS_HASH, record));
  });

  it('serializes a line that parses back to the record with its hash', () => {
    const h = hashRecord(GENESIS_HASH, record);
    const line = serializeRecord(canonicalJson(record), h);
    assert.deepEqual(JSON.parse(line), { ...record, hash: h });
  });
});
