import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { RecordChain } from '../../../gateway/audit/record-chain';
import { readRecordLine } from '../../../gateway/core/audit/record-line';
import { GENESIS_HASH } from '../../../gateway/core/audit/hash-record';
import { toIJson } from '../../../gateway/core/audit/canonical-json';
import { SerializedValue } from '../../../gateway/core/serialized-value';

/**
 * The writer encodes each line once: the bytes it hashes are the bytes it writes. Checked here
 * with the verifier's own reading (core/audit/record-line.ts) and a hash computed independently,
 * on bodies whose UTF-8 is longer than their UTF-16 (the offsets of the hash member depend on it).
 */
describe('audit record chain: each line hashed and written from one encoding', () => {
  const bodies: [string, unknown][] = [
    ['ASCII', { messages: [{ role: 'user', content: 'hello' }] }],
    ['Latin-1 and CJK', { messages: [{ role: 'user', content: 'café, naïve, 東京, ½ €' }] }],
    ['astral characters', { messages: [{ role: 'user', content: 'emoji 😀 and 𝄞 clef' }] }],
    ['a lone surrogate (stored as its I-JSON form)', { messages: [{ role: 'user', content: 'half \ud83d pair' }] }],
    ['escapes and controls', { text: 'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f' }],
  ];

  for (const [name, requestBody] of bodies) {
    it(`writes the bytes it hashed: ${name}`, () => {
      const chain = new RecordChain('chain-1', { seq: 0, hash: GENESIS_HASH }, undefined);
      const first = chain.next({ kind: 'arrival', requestId: 'r1', requestBody } as never, 1_700_000_000_000);
      const second = chain.next({ kind: 'outcome', requestId: 'r1', responseBody: requestBody } as never, 1_700_000_000_001);
      for (const [c, prev] of [[first, GENESIS_HASH], [second, first.record.hash]] as const) {
        const written = c.data.toString('utf8');
        assert.equal(c.bytes, c.data.length);
        assert.ok(written.endsWith(`,"hash":"${c.record.hash}"}\n`));
        // The record part: the line without its hash member, closed; the hash is over prev and those bytes.
        const part = Buffer.concat([c.data.subarray(0, c.data.length - 76), Buffer.from('}')]);
        assert.equal(createHash('sha256').update(prev).update(part).digest('hex'), c.record.hash);
        const read = readRecordLine(written.slice(0, -1));
        assert.ok(!('malformed' in read), JSON.stringify(read));
        assert.equal(read.problem, undefined);
        assert.equal(read.computed, read.hash);
        assert.equal(read.record.prev, prev);
      }
    });
  }
});

/**
 * A body given as a SerializedValue (its JSON text made once already, for the upstream or the
 * client) is written as those bytes, not serialized again. Bytes in another order than the
 * value's own serialization make that visible: the line holds the bytes as given.
 */
describe('audit record chain: a body whose JSON text is already made', () => {
  const value = { a: 2, b: [1, 'é'] };
  const otherOrder = Buffer.from('{"b":[1,"é"],"a":2}');

  for (const member of ['requestBody', 'responseBody'] as const) {
    it(`writes ${member} as the bytes given, last, and keeps the value on the record`, () => {
      const chain = new RecordChain('chain-1', { seq: 0, hash: GENESIS_HASH }, undefined);
      const c = chain.next({ kind: 'outcome', requestId: 'r1', [member]: new SerializedValue(value, otherOrder), status: 200 } as never, 1_700_000_000_000);
      const line = c.data.toString('utf8');
      assert.ok(line.endsWith(`,"${member}":{"b":[1,"é"],"a":2},"hash":"${c.record.hash}"}\n`), line);
      assert.equal(c.bytes, c.data.length);
      assert.equal(c.record[member], value);
      const part = Buffer.concat([c.data.subarray(0, c.data.length - 76), Buffer.from('}')]);
      assert.equal(createHash('sha256').update(GENESIS_HASH).update(part).digest('hex'), c.record.hash);
      const read = readRecordLine(c.data.toString('utf8').slice(0, -1));
      assert.ok(!('malformed' in read), JSON.stringify(read));
      assert.equal(read.problem, undefined);
      assert.equal(read.computed, read.hash);
      assert.deepEqual(read.record[member], value);
      assert.equal(read.record.status, 200);
    });
  }

  it('serializes the value after all when its text holds an escaped lone surrogate: the record stores the I-JSON form', () => {
    const lone = { text: 'half \ud83d pair' };
    const chain = new RecordChain('chain-1', { seq: 0, hash: GENESIS_HASH }, undefined);
    const c = chain.next({ kind: 'arrival', requestId: 'r1', requestBody: new SerializedValue(lone, Buffer.from(JSON.stringify(lone))) } as never, 1_700_000_000_000);
    assert.ok(c.data.toString('utf8').includes('"requestBody":{"text":"half \ufffd pair"}'), c.data.toString('utf8'));
    const read = readRecordLine(c.data.toString('utf8').slice(0, -1));
    assert.ok(!('malformed' in read) && read.problem === undefined && read.computed === read.hash, JSON.stringify(read));
  });
});

/**
 * The members a line starts with (v, id, seq, time, kind, chain, prev) are written by a template
 * when no string needs escaping: the line must be what JSON.stringify of them writes (its I-JSON
 * form when a string holds a lone surrogate), whatever the strings hold.
 */
describe('audit record chain: the head members as JSON.stringify writes them', () => {
  // Plain ids and times mostly, and any character (quotes, backslashes, controls, lone surrogates) now and then.
  const text = fc.oneof(fc.stringMatching(/^[0-9a-z:.-]{0,24}$/), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('a"b', 'a\\b', 'a\nb', '\u001f', 'x\ud800', '\udc00y', '😀', 'é東'));

  it('writes what JSON.stringify writes for any id, time, kind, chain id and prev', () => {
    fc.assert(
      fc.property(text, text, text, text, text, fc.nat(), (chainId, prev, id, time, kind, seq) => {
        const chain = new RecordChain(chainId, { seq, hash: prev }, undefined);
        const c = chain.next({ kind, id, time } as never, 1_700_000_000_000);
        const head = { v: 2, id, seq: seq + 1, time, kind, chain: chainId, prev };
        const part = Buffer.concat([c.data.subarray(0, c.data.length - 76), Buffer.from('}')]).toString('utf8');
        assert.equal(part, JSON.stringify(toIJson(head)));
        const r = c.record;
        assert.deepEqual({ v: r.v, id: r.id, seq: r.seq, time: r.time, kind: r.kind, chain: r.chain, prev: r.prev }, toIJson(head));
      }),
      { numRuns: 3000 },
    );
  });
});
