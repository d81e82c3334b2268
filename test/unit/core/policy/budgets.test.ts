import assert from 'node:assert/strict';
import { compilePolicy, evaluatePolicy } from '../../../../gateway/core/policy';
import { formatDiagnostic } from '../../../../gateway/core/diagnostics';
import { parseYamlDocument } from '../../../../gateway/core/yaml-document';
import { runPolicyTests } from '../../../../gateway/core/policy/run-policy-tests';
import type { Spec, Test } from '../../../../gateway/generated/gatehouse.policy';
import { chatRequest, compileSpec, policyYaml, principal } from '../../../builders/policy';

/** Issue 21: the explain trace and `gatehouse policy test` understand token and spend budgets. */
describe('policy: token and spend budgets in explain and policy tests', () => {
  const spec: Spec = {
    rules: [
      { id: 'ml-chat', match: { principal: { groups: ['ml'] } }, action: 'allow', limits: { tokens: { total: 200000, per: '1h' }, spend: { amount: 50, currency: 'USD', per: '1d', scope: 'group' } } },
      { id: 'others', action: 'allow', limits: { rate: { requests: 10, per: '1m' } } },
    ],
  };

  it('the decision carries the budgets, and the matching rule\'s explain step names them', () => {
    const d = evaluatePolicy(compileSpec(spec), principal({ groups: ['ml'] }), chatRequest());
    assert.deepEqual([d.limits.tokens, d.limits.spend], [{ total: 200000, windowSeconds: 3600, scope: 'principal' }, { amount: 50, currency: 'USD', windowSeconds: 86400, scope: 'group' }]);
    assert.equal(d.explain.at(-1)?.reason.split('; budgets: ')[1], '200000 tokens (input + output) per 3600 s per caller; 50 USD per 86400 s per group');
    assert.ok(!evaluatePolicy(compileSpec(spec), principal(), chatRequest()).explain.at(-1)?.reason.includes('budgets'));
  });

  it('expect.budgets passes when the deciding rule keeps exactly those budgets (windows by length), and says what differs when not', () => {
    const tests: Test[] = [
      { name: 'ml has both budgets', principal: { subject: 'a', groups: ['ml'] }, request: {}, expect: { action: 'allow', budgets: { tokens: { total: 200000, per: '60m' }, spend: { amount: 50, currency: 'USD', per: '1d', scope: 'group' } } } },
      { name: 'others have none', principal: { subject: 'b' }, request: {}, expect: { action: 'allow', budgets: {} } },
      { name: 'wrong expectation', principal: { subject: 'c', groups: ['ml'] }, request: {}, expect: { action: 'allow', budgets: { tokens: { total: 100000, per: '1h' } } } },
    ];
    const results = runPolicyTests(compileSpec(spec, {}, tests));
    assert.deepEqual(results.map((r) => r.passed), [true, true, false]);
    assert.deepEqual(results[2]!.failures, ['expected budgets 100000 tokens (input + output) per 3600 s per caller, got 200000 tokens (input + output) per 3600 s per caller; 50 USD per 86400 s per group']);
  });

  it('alertAt: the decision carries the fractions in order; a fraction outside 0 < f ≤ 1, or none, is refused with file:line:col', () => {
    const warned: Spec = { rules: [{ id: 'warned', action: 'allow', limits: { tokens: { total: 100, per: '1h', alertAt: [1, 0.5, 0.8] }, spend: { amount: 5, currency: 'EUR', per: '1d', alertAt: [0.9] } } }] };
    const d = evaluatePolicy(compileSpec(warned), principal(), chatRequest());
    assert.deepEqual([d.limits.tokens?.alertAt, d.limits.spend?.alertAt], [[0.5, 0.8, 1], [0.9]]);
    for (const [alertAt, complaint] of [[[0.8, 1.2], /\/spec\/rules\/0\/limits\/tokens\/alertAt\/1 .*<= 1/], [[0, 1], /\/spec\/rules\/0\/limits\/tokens\/alertAt\/0 .*> 0/], [[], /\/spec\/rules\/0\/limits\/tokens\/alertAt .*fewer than 1/], [[0.8, 0.8], /\/spec\/rules\/0\/limits\/tokens\/alertAt .*duplicate/]] as const) {
      const text = policyYaml({ rules: [{ id: 'warned', action: 'allow', limits: { tokens: { total: 100, per: '1h', alertAt: alertAt as unknown as [number] } } }] });
      const { policy, diagnostics } = compilePolicy(parseYamlDocument(text, 'team.policy.yaml'));
      assert.equal(policy, undefined, JSON.stringify(alertAt));
      const lines = diagnostics.map(formatDiagnostic);
      assert.ok(lines.some((l) => /^team\.policy\.yaml:\d+:\d+: error: /.test(l) && complaint.test(l)), lines.join('\n'));
    }
  });
});
