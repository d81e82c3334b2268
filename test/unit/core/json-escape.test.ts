import assert from 'node:assert/strict';
import { writeEscaped } from '../../../gateway/core/json-escape';

/** The reference: JSON.stringify of the joined text, without its quotes. */
const reference = (parts: readonly string[]) => JSON.stringify(parts.join('')).slice(1, -1);

describe('core/json-escape', () => {
  it('writes what JSON.stringify writes for every character it escapes and both surrogate halves', () => {
    const tricky = ['"', '\\', '/', '\u007f', '\u2028', 'é', '€', '\ud83d\ude00', '\ud800', '\udc00'];
    for (let c = 0; c < 0x20; c++) tricky.push(String.fromCharCode(c));
    for (const ch of tricky) {
      for (const text of [ch, `a${ch}`, `${ch}b`, `a${ch}b${ch}${ch}`]) {
        const out: string[] = [];
        const n = writeEscaped([text], out);
        assert.equal(out.join(''), reference([text]), JSON.stringify(text));
        assert.equal(n, reference([text]).length);
      }
    }
  });

  it('keeps a surrogate pair whole when parts (empty ones too) fall between its halves, and escapes lone halves', () => {
    const cases: string[][] = [
      ['a\ud83d', '\ude00b'],
      ['a\ud83d', '', '', '\ude00b'],
      ['\ud83d', '\ude00', '\ud83d', '\ude00'],
      ['\ud83d', 'x', '\ude00'],
      ['\ud83d'],
      ['', '\ude00', '\ud83d'],
      ['\ud83d', '\ud83d', '\ude00\ude00'],
    ];
    for (const parts of cases) {
      const out: string[] = [];
      writeEscaped(parts, out);
      assert.equal(out.join(''), reference(parts), JSON.stringify(parts));
    }
  });

  it('runs are slices of the text and escapes are their own pieces (nothing the size of the text is built)', () => {
    const text = `${'x'.repeat(50_000)}\n${'y'.repeat(50_000)}`;
    const out: string[] = [];
    writeEscaped([text], out);
    assert.deepEqual(out.map((p) => p.length), [50_000, 2, 50_000]);
  });

  it('stops once `limit` characters are out, as a prefix of the whole', () => {
    const parts = ['ab"c', '\n\ud83d', '\ude00de', 'f'.repeat(30)];
    const whole = reference(parts);
    for (let limit = 0; limit <= whole.length + 1; limit++) {
      const out: string[] = [];
      const n = writeEscaped(parts, out, limit);
      const text = out.join('');
      assert.equal(n, text.length);
      assert.ok(whole.startsWith(text), `limit ${limit}: ${JSON.stringify(text)}`);
      assert.ok(text.length >= Math.min(limit, whole.length), `limit ${limit}: only ${text.length} characters`);
      // Stopped with the piece that reached the limit: the pieces before it stayed under it.
      assert.ok(text.length - out.at(-1)!.length < Math.max(limit, 1) || text.length === whole.length, `limit ${limit}: went on past it`);
    }
  });
});
