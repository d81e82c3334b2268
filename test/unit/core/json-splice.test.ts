import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splicedJsonBytes, type SplicedStrings } from '../../../gateway/core/json-splice';
import { compileMaskingRules } from '../../../gateway/core/masking/compile';
import { maskJson, splicedMinLength } from '../../../gateway/core/masking/mask-json';

const compiled = compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'test' });

/** The masked body, its long masked strings, and the bytes the splice writes for the client's `bytes` (undefined: not spliced). */
function splice(json: unknown, bytes: Buffer) {
  const masked = maskJson(json, compiled, { where: 'upstream', spans: false });
  return { masked, spliced: masked.spliced && splicedJsonBytes(masked.value, bytes, masked.spliced) };
}

/** A prompt of at least `splicedMinLength` characters with values to mask (`n` of each) among `filler`. */
function prompt(filler: string, n = 3): string {
  const values = ['mail jane.doe@example.com', 'call +1 415 555 0100', '"quoted@example.org"', 'a@b.io\nnext line', 'tab\t+44 20 7946 0958\t'];
  let out = '';
  for (let i = 0; out.length < splicedMinLength + 200; i++) out += `${filler} ${i % 7 === 0 ? values[(i / 7) % values.length] : ''} `;
  return out + values.slice(0, n).join(' ');
}

/** JSON.stringify's text with each non-ASCII character written as a \u escape. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

describe('core/json-splice', () => {
  it("writes a masked body from the client's bytes exactly as JSON.stringify of the masked value (the bench body, bodies with escapes)", () => {
    const bench = readFileSync(join(__dirname, '../../../bench/bodies/chat-4KB.json'));
    const bodies: unknown[] = [
      JSON.parse(bench.toString()),
      { model: 'm', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: prompt('notes "in quotes" and a \\ backslash,\n\tthen\r\n\f\b more:') }] },
      // Values next to escapes, at the string's very start and end.
      { messages: [{ content: `a@b.io\n${prompt('x\ny')}\na@b.io` }], n: 3, temperature: 0.2, stop: ['\n'], tools: [{ name: 'f' }] },
      // Two long strings in one container, one in an array, the same text twice (a conversation resent).
      { a: prompt('first'), b: [1, prompt('second'), { c: prompt('first') }], d: prompt('first') },
      // Texts that open alike: the first place found is the other's.
      { a: `${prompt('same start')} one`, b: `${prompt('same start')} two` },
      { a: prompt('a prefix'), b: `${prompt('a prefix')} and more` },
      { a: `${prompt('escapes apart')}\tend`, b: `${prompt('escapes apart')}\nend` },
      // Short strings JSON.stringify writes with non-ASCII characters or \u escapes (the client sent them escaped).
      { s: prompt('plain'), t: 'caf\u00e9 \u0001', u: '\u2028' },
    ];
    for (const json of bodies) {
      const bytes = Buffer.from(asciiJson(json));
      const { masked, spliced } = splice(json, bytes);
      assert.ok(masked.changed && spliced, `spliced: ${JSON.stringify(json).slice(0, 80)}`);
      assert.deepEqual(spliced, Buffer.from(JSON.stringify(masked.value)));
    }
  });

  it("does not splice what it cannot show to be JSON.stringify's text, and what it splices is that text", () => {
    const json = { model: 'm', messages: [{ role: 'user', content: `${prompt('see a/b and caf\u00e9s')} \u{1F600}` }, { role: 'user', content: prompt('a/b again') }] };
    const canonical = JSON.stringify(json);
    // Forms a client may send: each decodes to the same value, none is JSON.stringify's text.
    const forms: [name: string, text: string, spliced: boolean][] = [
      ['canonical but not ASCII', canonical, false],
      ['ASCII with \\u escapes', asciiJson(json), false],
      ['solidus escaped', canonical.replace(/[^\x00-\x7f]/gu, '?').replaceAll('/', '\\/'), false],
      ['pretty-printed, ASCII', JSON.stringify(JSON.parse(canonical.replace(/[^\x00-\x7f]/gu, '?')), null, 2), true],
    ];
    for (const [name, text, expectSplice] of forms) {
      const parsed = JSON.parse(text) as typeof json;
      const { masked, spliced } = splice(parsed, Buffer.from(text));
      assert.equal(spliced !== undefined, expectSplice, name);
      if (spliced) assert.deepEqual(spliced, Buffer.from(JSON.stringify(masked.value)), name);
    }
  });

  it('passes over bytes that read as the text but hold raw whitespace (a run of tokens between two strings)', () => {
    // The string's characters, line feed included, also stand between the quotes of "z" and "w" as numbers
    // on two lines (a card number among them, masked): found first, they decode to the text, but
    // JSON.stringify writes the line feed as \n.
    const numbers = Array.from({ length: 600 }, (_, i) => i % 10).join(',');
    const text = `,${numbers},\n4111111111111111,${numbers},`;
    const body = `{"a":["z"${text}"w"],"b":"${text.replace('\n', '\\n')}"}`;
    const json = JSON.parse(body) as { b: string };
    assert.ok(json.b === text && body.indexOf(`"${text.slice(0, 32)}`) < body.indexOf('"b"'));
    const { masked, spliced } = splice(json, Buffer.from(body));
    assert.ok(spliced, 'spliced from the string itself');
    assert.deepEqual(spliced, Buffer.from(JSON.stringify(masked.value)));
  });

  it('does not splice a replacement JSON would escape', () => {
    const text = `${'x'.repeat(splicedMinLength)} secret`;
    const container = { p: `${'x'.repeat(splicedMinLength)} "q"` };
    const strings: SplicedStrings = {
      at: new Map([[container, new Map([['p', { value: container.p, text, spans: [{ start: text.length - 6, end: text.length }], pieces: [text.slice(0, -6), '"q"', ''] }]])]]),
      within: new Set([container]),
    };
    const body = Buffer.from(JSON.stringify({ p: text }));
    assert.equal(splicedJsonBytes(container, body, strings), undefined);
    const plain = { p: `${'x'.repeat(splicedMinLength)} [q]` };
    strings.at = new Map([[plain, new Map([['p', { value: plain.p, text, spans: [{ start: text.length - 6, end: text.length }], pieces: [text.slice(0, -6), '[q]', ''] }]])]]);
    strings.within = new Set([plain]);
    assert.deepEqual(splicedJsonBytes(plain, body, strings), Buffer.from(JSON.stringify(plain)));
  });

  it('maskJson keeps only masked strings of splicedMinLength characters or more for it', () => {
    assert.equal(maskJson({ p: 'mail a@b.io' }, compiled, { where: 'upstream' }).spliced, undefined);
    assert.equal(maskJson({ p: 'no values here. '.repeat(splicedMinLength / 8) }, compiled, { where: 'upstream' }).spliced, undefined);
    const long = maskJson({ p: prompt('values') }, compiled, { where: 'upstream' });
    assert.equal(long.spliced?.at.size, 1);
  });
});
