import assert from 'node:assert/strict';
import { compileGlobs, globCovers, wildcardMatch } from '../../../gateway/core/glob';

describe('core/glob', () => {
  const cases: [pattern: string, text: string, expected: boolean][] = [
    ['gpt-4o', 'gpt-4o', true],
    ['gpt-4o', 'gpt-4o-mini', false],
    ['gpt-4o*', 'gpt-4o-mini', true],
    ['gpt-4o*', 'gpt-4', false],
    ['*-mini', 'gpt-4o-mini', true],
    ['*-mini', 'gpt-4o-mini-2024', false],
    ['gpt-?o', 'gpt-4o', true],
    ['gpt-?o', 'gpt-40o', false],
    ['/v1/fine_tuning/*', '/v1/fine_tuning/jobs/ftjob-1/cancel', true],
    ['/v1/models/*/export', '/v1/models/ft:gpt-4o:acme/export', true],
    ['/v1/models/*/export', '/v1/models/x/export/more', false],
    ['repo:acme/*:ref:refs/heads/main', 'repo:acme/web:ref:refs/heads/main', true],
    ['repo:acme/*:ref:refs/heads/main', 'repo:evil/web:ref:refs/heads/main', false],
    ['*a*b*c*', 'xxaxxbxxcxx', true],
    ['*a*b*c*', 'xxaxxcxxbxx', false],
    ['*', '', true],
    ['a*', '', false],
  ];
  for (const [pattern, text, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} "${text}"`, () => {
      assert.equal(wildcardMatch(pattern, text), expected);
      assert.equal(compileGlobs([pattern])(text), expected);
    });
  }

  it('stays linear-ish on adversarial input (no regex backtracking)', () => {
    const text = 'a'.repeat(20_000);
    const start = process.hrtime.bigint();
    assert.equal(compileGlobs(['*a*a*a*a*a*b'])(text), false);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 500, 'adversarial glob took too long');
  });

  /** The definition, as a table over (pattern position, text position): the reference to compare with. */
  function reference(pattern: string, text: string): boolean {
    let row = [true, ...Array<boolean>(text.length).fill(false)];
    for (const c of pattern) {
      const next = Array<boolean>(text.length + 1).fill(false);
      for (let t = 0; t <= text.length; t++) {
        if (c === '*') next[t] = row[t]! || (t > 0 && next[t - 1]!);
        else next[t] = t > 0 && row[t - 1]! && (c === '?' || c === text[t - 1]);
      }
      row = next;
    }
    return row[text.length]!;
  }

  it('agrees with the definition on 20,000 random patterns and texts over a small alphabet', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const word = (alphabet: string, max: number) => Array.from({ length: next() % (max + 1) }, () => alphabet[next() % alphabet.length]).join('');
    for (let n = 0; n < 20_000; n++) {
      const pattern = word('ab*?', 7);
      const text = word('ab', 9);
      assert.equal(compileGlobs([pattern])(text), reference(pattern, text), `${pattern} on ${text}`);
      assert.equal(wildcardMatch(pattern, text), reference(pattern, text), `${pattern} on ${text}`);
    }
  });

  it('matches when any glob in a list matches', () => {
    const m = compileGlobs(['gpt-4o-mini*', 'text-embedding-3-small', '*-haiku']);
    assert.deepEqual(['gpt-4o-mini-2024', 'text-embedding-3-small', 'claude-3-haiku', 'gpt-4o'].map(m), [true, true, true, false]);
  });

  const covers: [outer: string, inner: string, expected: boolean][] = [
    ['*', 'anything*', true],
    ['gpt-*', 'gpt-4o', true],
    ['gpt-*', 'gpt-4o-mini*', true],
    ['gpt-4o-mini*', 'gpt-4o*', false],
    ['gpt-4o', 'gpt-4o*', false],
    ['*-mini', 'gpt-*-mini', true],
    ['*-mini', 'gpt-*', false],
    ['g?t', 'gpt', true],
    ['g?t*', 'gpt*', false],
  ];
  for (const [outer, inner, expected] of covers) {
    it(`${outer} ${expected ? 'covers' : 'does not cover'} ${inner}`, () => assert.equal(globCovers(outer, inner), expected));
  }
});
