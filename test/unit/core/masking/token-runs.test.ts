import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { alternatives } from '../../../../gateway/core/masking/detectors';
import { passes, tokenRunWindows } from '../../../../gateway/core/masking/passes';
import { createScanner, type Scanner } from '../../../../gateway/core/masking/scanner';
import { segmentBoundary } from '../../../../gateway/core/masking/segment-bound';
import { keyToken as token } from '../../../helpers/key-formats';

/**
 * On a long text the literal pass (keys and tokens) runs its regex only around long runs of token
 * characters (passes.ts `literalTokenRuns`), which rests on the formats of its alternatives. These
 * tests hold it to the whole scan of the same pass, on texts built from each format: at its
 * shortest, glued to its neighbours, after blanks and URL schemes, cut one short, in prose and in
 * dense runs (where the windows give way to the whole scan).
 */
const literalDetectors = ['pem', 'bearer', 'jwt', 'api-key', 'github-token', 'aws-key'] as const;
const literal = passes.find((p) => p.name === 'literal')!;

/** The same scanner with the windows off: the pass's combined regex over the whole text. */
function wholeScanner(): Scanner {
  const runs = literal.runs;
  literal.runs = undefined;
  try {
    return createScanner(literalDetectors, []);
  } finally {
    literal.runs = runs;
  }
}

const prose = fc.constantFrom(
  'The deploy pipeline now runs the integration suite before the canary. ', 'state-of-the-art ', 'see https://example.com/a/very/long/path/to/a/page ',
  'internationalization ', 'Bearer ', 'token: ', '| 2026-03-14 | ledger-api | ', 'aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ= ', 'x', '"', '\n', '\\n', ' ', '\t', '/', '=', '.', '-', ':',
);
const piece = fc.oneof({ weight: 2, arbitrary: token }, { weight: 5, arbitrary: prose });
/** Long enough for the windows (16 384 characters and more) or not; sometimes made of dense runs, where they give way. */
const text = fc.tuple(fc.array(piece, { minLength: 1, maxLength: 40 }), fc.constantFrom(0, 17_000, 20_000), fc.boolean())
  .map(([parts, pad, dense]) => {
    const filler = dense ? 'aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ/' : 'Open risks: the replica lag alarm fires late. ';
    let t = parts.join('');
    while (t.length < pad) t = `${filler}${t}${filler}`;
    return t;
  });

describe('core/masking literal pass: token-run windows', () => {
  const fast = createScanner(literalDetectors, []);
  const whole = wholeScanner();

  it('finds what the whole scan finds, on long texts built from every format', () => {
    let found = 0;
    let windowed = 0;
    let gaveWay = 0;
    fc.assert(fc.property(text, (t) => {
      const got = fast.scan(t);
      assert.deepEqual(got, whole.scan(t));
      found += got.length;
      if (t.length >= literal.startsMinLength!) {
        if (tokenRunWindows(t, literal.runs!) === null) gaveWay++;
        else windowed++;
      }
    }), { numRuns: 1500, seed: 2323 });
    assert.ok(found > 1000, `the texts hold keys and tokens (${found})`);
    assert.ok(windowed > 300, `the windows were used (${windowed} texts)`);
    assert.ok(gaveWay > 100, `and gave way to the whole scan (${gaveWay} texts)`);
  });

  it('finds what the whole scan finds in a batch, where strings meet at a boundary', () => {
    fc.assert(fc.property(fc.array(text, { minLength: 2, maxLength: 4 }), (ts) => {
      const joined = ts.join(segmentBoundary);
      assert.deepEqual(fast.scan(joined), whole.scan(joined));
    }), { numRuns: 300, seed: 2324 });
  });

  it('skips prose: no window in a megabyte of it, and a key\'s window covers the key', () => {
    const page = 'Our quarterly review covers the migration of the billing service to the new cluster, and the on-call rotation. ';
    assert.deepEqual(tokenRunWindows(page.repeat(10_000), literal.runs!), []);
    const key = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234';
    const t = `${page.repeat(80)}Authorization:\t ${key} ${page.repeat(80)}`;
    const at = t.indexOf(key);
    assert.deepEqual(tokenRunWindows(t, literal.runs!), [at - 2 - 8, at + key.length]);
    assert.deepEqual(fast.scan(t).map((d) => t.slice(d.start, d.end)), [key]);
  });

  it('gives way to the whole scan where a PEM block may start, or runs are dense', () => {
    assert.equal(tokenRunWindows(`${'x '.repeat(600)}-----BEGIN PRIVATE KEY-----`, literal.runs!), null);
    assert.equal(tokenRunWindows('aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ/ '.repeat(1000), literal.runs!), null);
  });

  it('rests on the formats read in passes.ts: a change to the pass\'s alternatives must be checked against them', () => {
    const sources = alternatives.filter((a) => a.pass === 'literal').map((a) => `${a.detector} ${a.source}`);
    assert.deepEqual(sources.map((s) => s.split(' ')[0]), [...literalDetectors]);
    // Read again `literalTokenRuns` in passes.ts (every match ends in a run of 15+ token
    // characters, starts at most 8 plus blanks before it), then update this digest.
    assert.equal(createHash('sha256').update(sources.join('\n')).digest('hex').slice(0, 16), '993e14dcc5c9bcdb');
  });
});
