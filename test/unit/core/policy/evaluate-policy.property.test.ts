import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evaluatePolicy } from '../../../../gateway/core/policy';
import type { InferenceRequest, Principal } from '../../../../gateway/core/types';
import type { Rule } from '../../../../gateway/generated/gatehouse.policy';
import { chatRequest, compileSpec, principal } from '../../../builders/policy';

// Small domains so that random rules often match random requests.
const groups = ['ci', 'agents', 'ml-leads'];
const endpoints = ['chat', 'embeddings', 'responses'] as const;
const models = ['gpt-4o', 'gpt-4o-mini', 'o1-preview', 'text-embedding-3-small'];
const modelGlobs = [...models, 'gpt-*', 'o1*', '*-mini'];

const sub = <T>(values: readonly T[]) => fc.option(fc.subarray([...values], { minLength: 1 }), { nil: undefined });

const ruleBody = fc.record({
  groups: sub(groups),
  endpoints: sub(endpoints),
  models: sub(modelGlobs),
  stream: fc.option(fc.boolean(), { nil: undefined }),
  action: fc.constantFrom('allow' as const, 'deny' as const, 'require_approval' as const),
});
type RuleBody = typeof ruleBody extends fc.Arbitrary<infer T> ? T : never;

const toRule = (b: RuleBody, id: string): Rule => ({
  id,
  action: b.action,
  match: {
    ...(b.groups ? { principal: { groups: b.groups as [string, ...string[]] } } : {}),
    ...(b.endpoints ? { endpoints: b.endpoints as [typeof endpoints[number], ...typeof endpoints[number][]] } : {}),
    ...(b.models ? { models: b.models as [string, ...string[]] } : {}),
    ...(b.stream !== undefined ? { stream: b.stream } : {}),
  },
  ...(b.action === 'require_approval' ? { approval: { approvers: { groups: ['ml-leads'] } } } : {}),
});

const rulesArb = fc.array(ruleBody, { minLength: 1, maxLength: 12 }).map((bodies) => bodies.map((b, i) => toRule(b, `r${i}`)));
const callArb = fc.record({
  groups: fc.subarray(groups),
  endpoint: fc.constantFrom(...endpoints),
  model: fc.constantFrom(...models),
  stream: fc.boolean(),
});
type Call = typeof callArb extends fc.Arbitrary<infer T> ? T : never;
const inputs = (c: Call): [Principal, InferenceRequest] => [principal({ groups: c.groups }), chatRequest({ endpoint: c.endpoint, model: c.model, stream: c.stream })];

/** An independent reading of the rule semantics, to check the compiled matcher against. */
function oracle(rules: Rule[], c: Call): string {
  const glob = (g: string, v: string) => (g.endsWith('*') ? v.startsWith(g.slice(0, -1)) : g.startsWith('*') ? v.endsWith(g.slice(1)) : g === v);
  const hit = rules.find(({ match: m = {} }) =>
    (!m.principal?.groups || m.principal.groups.some((g) => c.groups.includes(g)))
    && (!m.endpoints || (m.endpoints as string[]).includes(c.endpoint))
    && (!m.models || (m.models as string[]).some((g) => glob(g, c.model)))
    && (m.stream === undefined || m.stream === c.stream));
  return hit?.id ?? 'default';
}

const decide = (rules: Rule[], c: Call) => {
  const d = evaluatePolicy(compileSpec({ rules }), ...inputs(c));
  return { rule: d.rule, action: d.action };
};

describe('core/policy/evaluate-policy (properties)', function () {
  // Hundreds of generated policies per property: seconds of CPU, many more on a loaded machine.
  this.timeout(120_000);
  it('decides by the first matching rule (checked against an independent oracle)', () => {
    fc.assert(fc.property(rulesArb, callArb, (rules, c) => {
      assert.equal(decide(rules, c).rule, oracle(rules, c));
    }), { numRuns: 200 });
  });

  it('does not depend on the order of the rules after the deciding one', () => {
    fc.assert(fc.property(rulesArb, callArb, fc.integer(), (rules, c, seed) => {
      const before = decide(rules, c);
      const k = before.rule === 'default' ? rules.length : rules.findIndex((r) => r.id === before.rule);
      const tail = rules.slice(k + 1);
      // Fisher-Yates with a seeded LCG, so fast-check can shrink and replay.
      let s = seed >>> 0;
      for (let i = tail.length - 1; i > 0; i--) {
        s = (s * 1664525 + 1013904223) >>> 0;
        const j = s % (i + 1);
        [tail[i], tail[j]] = [tail[j]!, tail[i]!];
      }
      const permuted = before.rule === 'default' ? [...tail.reverse(), ...rules.slice(0, k)] : [...rules.slice(0, k + 1), ...tail];
      assert.deepEqual(decide(permuted, c), before);
    }), { numRuns: 150 });
  });

  it('does not change when rules that cannot match are inserted anywhere', () => {
    const neverArb = fc.array(fc.tuple(ruleBody, fc.nat()), { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(rulesArb, callArb, neverArb, (rules, c, extra) => {
      const before = decide(rules, c);
      const out = [...rules];
      extra.forEach(([body, at], i) => {
        const rule = toRule(body, `never${i}`);
        rule.match = { ...rule.match, models: ['zz-never-*'] };
        out.splice(at % (out.length + 1), 0, rule);
      });
      assert.deepEqual(decide(out, c), before);
    }), { numRuns: 150 });
  });
});
