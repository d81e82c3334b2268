import assert from 'node:assert/strict';
import { budgetLines } from '../../../../gateway/core/usage/budget';
import { budgetAlert, crossedFractions, fractionThreshold } from '../../../../gateway/core/usage/budget-alerts';
import type { Principal } from '../../../../gateway/core/types';

/** Issue 21: a budget warns at its alert fractions, once as its window's count passes each. */
describe('core/usage: budget alert fractions', () => {
  const bob: Principal = { issuer: 'https://idp.test', subject: 'bob', groups: ['ml'] };

  it('a fraction is reached at f × limit rounded up (counts are integers), without binary float drift', () => {
    assert.equal(fractionThreshold(0.8, 100), 80);
    assert.equal(fractionThreshold(0.7, 100), 70, '0.7 × 100 is 70.00000000000001 in binary');
    assert.equal(fractionThreshold(0.8, 101), 81);
    assert.equal(fractionThreshold(1, 100), 100);
    assert.equal(fractionThreshold(0.001, 10), 1, 'a tiny fraction is the first unit');
    assert.equal(fractionThreshold(0.9, 50e9), 45e9, '50 USD in nano-units');
  });

  const table: [string, number, number, number[]][] = [
    ['below every fraction', 0, 79, []],
    ['up to exactly 80 %', 79, 80, [0.8]],
    ['from exactly 80 %: already reached', 80, 95, []],
    ['past both at once (a stream that overshoots)', 70, 130, [0.8, 1]],
    ['from over the limit further up', 105, 140, []],
    ['up to exactly the limit', 99, 100, [1]],
    ['down (a reservation settled lower)', 100, 10, []],
  ];
  for (const [what, before, after, crossed] of table) {
    it(`crossings: ${what} (${before} → ${after})`, () => {
      assert.deepEqual(crossedFractions([0.8, 1], 100, before, after), crossed);
    });
  }

  it('the alert names rule, limit, holder, fraction, used of allowed and the reset; fires once per window', () => {
    const [line] = budgetLines({ tokens: { total: 100, windowSeconds: 3600, scope: 'principal', alertAt: [0.8, 1] } }, 'team-chat', bob);
    const windowStart = Date.parse('2026-03-01T10:00:00.000Z');
    const a = budgetAlert({ rule: 'team-chat', line: line!, fraction: 0.8, used: 85, windowStart });
    assert.equal(a.message, 'token budget of rule team-chat at 80 %: 85 used of 100 tokens (input + output) per 3600 s for bob; resets at 2026-03-01T11:00:00.000Z');
    assert.deepEqual([a.rule, a.severity, a.principal], ['team-chat', 'medium', 'bob']);
    assert.deepEqual(a.details, { budget: { limit: 'tokens.total', scope: 'principal', holder: 'bob', fraction: 0.8, used: 85, allowed: 100, unit: 'tokens', resetAt: '2026-03-01T11:00:00.000Z' } });
    assert.deepEqual(a.once, { key: 'budget:team-chat\u0000tokens.total\u0000principal\u0000https://idp.test\u0000bob\u00000.8', fromMs: windowStart, untilMs: windowStart + 3_600_000 });
    assert.equal(budgetAlert({ rule: 'team-chat', line: line!, fraction: 1, used: 130, windowStart }).severity, 'high');
  });

  it('spend in the currency; a group budget names the group and no principal', () => {
    const [line] = budgetLines({ spend: { amount: 0.5, currency: 'EUR', windowSeconds: 86400, scope: 'group', alertAt: [0.9] } }, 'eu-spend', bob);
    const a = budgetAlert({ rule: 'eu-spend', line: line!, fraction: 0.9, used: 460_000_000, windowStart: 0 });
    assert.equal(a.message, 'spend budget of rule eu-spend at 90 %: 0.46 EUR used of 0.5 EUR per 86400 s for group ml; resets at 1970-01-02T00:00:00.000Z');
    assert.equal(a.principal, undefined);
    assert.deepEqual([a.details.budget.allowed, a.details.budget.unit], [500_000_000, '1e-9 EUR']);
  });
});
