import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alternatives } from '../../../../gateway/core/masking/detectors';
import { passes } from '../../../../gateway/core/masking/passes';
import { boundedRegex, boundedSource, segmentBoundary } from '../../../../gateway/core/masking/segment-bound';

/** Every match of a global regex, as the scanner steps: [start, end] pairs. */
function matches(re: RegExp, text: string): [number, number][] {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  const out: [number, number][] = [];
  for (let m = g.exec(text); m; m = g.exec(text)) {
    if (m[0].length === 0) {
      g.lastIndex++;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

describe('core/masking segment bounds', () => {
  const table: [string, string, string][] = [
    ['[^\\s"]{8,}', 'g', '(?:(?!\\0)[^\\s"]){8,}'],
    ['^\\d+$', '', '(?<![^\\0])\\d+(?![^\\0])'],
    ['^a$', 'm', '(?<![^\\0\\n\\r\\u2028\\u2029])a(?![^\\0\\n\\r\\u2028\\u2029])'],
    ['\\d{3}-\\d{4}', 'g', '\\d{3}-\\d{4}'],
    ['.\\S\\W\\D[\\s\\S]\\p{L}\\P{L}', 'u', '(?:(?!\\0).)(?:(?!\\0)\\S)(?:(?!\\0)\\W)(?:(?!\\0)\\D)(?:(?!\\0)[\\s\\S])\\p{L}(?:(?!\\0)\\P{L})'],
    ['(?<=x[^a-])y', 'g', '(?<=x(?:(?!\\0)[^a-]))y'],
    ['[^\\u0000]*?', '', '[^\\u0000]*?'],
  ];
  for (const [source, flags, want] of table) {
    it(`/${source}/${flags} → /${want}/`, () => assert.equal(boundedSource(source, flags), want));
  }

  // Regexes of every shape the scanner runs: the built-in alternatives and pass markers, and
  // custom patterns a policy may write (greedy negated classes, anchors, dots, \S, \W, \D).
  const regexes: RegExp[] = [
    ...alternatives.map((a) => new RegExp(a.source, 'g')),
    ...passes.flatMap((p) => [p.starts, p.windowsAfter].filter((r): r is RegExp => r !== undefined)),
    /[^,;]{6,}/g, /\S{10,}/g, /^\d+$/g, /^[A-Z]{2}\d+/gm, /ID:.+/g, /\W\d{4}\W/g, /\D\d{3}\D/g, /(?<=key=)\w+/gi, /\b[a-z]+\b(?!\s)/g,
  ];
  const alphabet = 'aA0123456789 -:=_./+@\n"\'\\,;KEYsecretpasswordBEGINEND4111';
  const piece = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }).map((cs) => cs.join(''));
  const words = fc.constantFrom('password: ', 'api_key=', 'x-api-key: ', '4111111111111111', '123-45-6789', 'a@b.io', 'AKIAIOSFODNN7EXAMPLE', '-----BEGIN PRIVATE KEY-----\\nMIIE', 'aws secret ', '+1 415 555 2671', '::1', 'DE89 3704 0044 0532 0130 00');
  const text = fc.array(fc.oneof(piece, words), { maxLength: 4 }).map((p) => p.join(''));

  it('a boundary acts as the edge of the text: matches in a + NUL + b are the matches in a and in b', () => {
    for (const re of regexes) {
      const bounded = boundedRegex(re);
      fc.assert(fc.property(text, text, (a, b) => {
        const joined = matches(bounded, a + segmentBoundary + b);
        const apart = [...matches(bounded, a), ...matches(bounded, b).map(([s, e]): [number, number] => [s + a.length + 1, e + a.length + 1])];
        assert.deepEqual(joined, apart, `${bounded} on ${JSON.stringify(a)} | ${JSON.stringify(b)}`);
      }), { numRuns: 150, seed: 16 });
    }
  });

  it('changes nothing on text without a boundary', () => {
    for (const re of regexes) {
      const bounded = boundedRegex(re);
      fc.assert(fc.property(text, (a) => assert.deepEqual(matches(bounded, a), matches(re, a), `${bounded} on ${JSON.stringify(a)}`)), { numRuns: 150, seed: 61 });
    }
  });
});
