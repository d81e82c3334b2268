import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fixedMatchLength } from '../../../../gateway/core/masking/fixed-length';
import { passes } from '../../../../gateway/core/masking/passes';
import { boundedRegex } from '../../../../gateway/core/masking/segment-bound';

/** Every match of `re` in `text`, at every position (sticky), as [start, length]. */
function everyMatch(re: RegExp, text: string): [number, number][] {
  const sticky = new RegExp(re.source, re.flags.replace(/[gy]/g, '') + 'y');
  const out: [number, number][] = [];
  for (let at = 0; at <= text.length; at++) {
    sticky.lastIndex = at;
    const m = sticky.exec(text);
    if (m) out.push([at, m[0].length]);
  }
  return out;
}

describe('core/masking fixedMatchLength: the length every match of a pattern has', () => {
  it('reads it from the pattern: characters, classes, escapes one unit, assertions none, {n} n times', () => {
    assert.equal(fixedMatchLength(/\b\d[\d ().+-]{6}/g), 7);
    assert.equal(fixedMatchLength(/@/g), 1);
    assert.equal(fixedMatchLength(/(?:ab){3}/), 6);
    assert.equal(fixedMatchLength(/[^x]\b(?=yy)(?<!z)^$/i), 1);
    assert.equal(fixedMatchLength(/(ab|cd)e{2,2}/), 4);
    assert.equal(fixedMatchLength(/(?:)/), 0);
  });

  it('gives none where the pattern does not fix it (optional, repeated, uneven branches, back-references, the u and v flags)', () => {
    for (const re of [/a?/, /a*/, /a+/, /a{1,2}/, /a|bc/, /(a)\1/, /x/u, new RegExp('x', 'v'), /\u{1F600}/u, /./u]) assert.equal(fixedMatchLength(re), undefined, String(re));
  });

  it('the scanner\'s start patterns (bounded as it runs them) have one', () => {
    for (const p of passes) if (p.starts) assert.notEqual(fixedMatchLength(boundedRegex(p.starts)), undefined, p.name);
  });

  // Patterns from a small grammar of the syntax the analysis reads, on texts of their alphabet:
  // whenever it gives a length, every match at every position has exactly that length.
  const atom = fc.constantFrom('a', 'b', '1', '@', '\\d', '\\w', '\\s', '.', '[ab]', '[^a]', '[\\d ().+-]', '\\b', '\\B', '^', '$', '\\0');
  const regexSource = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, atom, tie('seq'), tie('group'), tie('quant'), tie('look')),
    seq: fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((xs) => (xs as string[]).join('')),
    group: fc.tuple(fc.constantFrom('(', '(?:'), fc.array(tie('node'), { minLength: 1, maxLength: 3 })).map(([open, xs]) => `${open}${(xs as string[]).join('|')})`),
    quant: fc.tuple(tie('group'), fc.constantFrom('{2}', '{0}', '{3,3}', '?', '*', '+', '{1,2}')).map(([g, q]) => `${g as string}${q}`),
    look: fc.tuple(fc.constantFrom('(?=', '(?!', '(?<=', '(?<!'), tie('node')).map(([open, x]) => `${open}${x as string})`),
  })).seq as fc.Arbitrary<string>;
  const text = fc.array(fc.constantFrom('a', 'b', '1', '2', ' ', '@', '(', '-', '\0', '\n', 'é'), { maxLength: 24 }).map((cs) => cs.join(''));

  it('every match of a generated pattern has the length it gives', () => {
    let fixed = 0;
    fc.assert(fc.property(regexSource, fc.constantFrom('', 'i', 'g'), fc.array(text, { minLength: 1, maxLength: 4 }), (source, flags, texts) => {
      const re = new RegExp(source, flags);
      const n = fixedMatchLength(re);
      if (n === undefined) return;
      fixed++;
      for (const t of texts) for (const [at, length] of everyMatch(re, t)) assert.equal(length, n, `/${source}/${flags} at ${at} of ${JSON.stringify(t)}`);
    }), { numRuns: 3000 });
    assert.ok(fixed > 500, `patterns with a fixed length were generated (${fixed})`);
  });
});
