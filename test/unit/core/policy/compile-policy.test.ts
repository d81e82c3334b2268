import assert from 'node:assert/strict';
import { compilePolicy } from '../../../../gateway/core/policy';
import { parseYamlDocument } from '../../../../gateway/core/yaml-document';

const header = ['apiVersion: gatehouse.dev/v1', 'kind: Policy', 'metadata: { name: p }', 'spec:'];
/** A policy text whose spec lines follow the 4 header lines (so spec line N is file line N + 4). */
const policyText = (...specLines: string[]) => [...header, ...specLines, ''].join('\n');
const compile = (text: string, file = 'p.policy.yaml') => compilePolicy(parseYamlDocument(text, file));
const brief = (text: string) => compile(text).diagnostics.map((d) => [d.line, d.column, d.severity, d.code, d.path]);

describe('core/policy/compile-policy: validation diagnostics', () => {
  const cases: { name: string; text: string; expected: unknown[][]; message?: RegExp }[] = [
    {
      name: 'duplicate rule ids',
      text: policyText('  rules:', '    - id: a', '      action: allow', '      match: { models: [x] }', '    - id: a', '      action: deny'),
      expected: [[9, 11, 'error', 'ERR_POLICY_DUPLICATE_RULE_ID', '/spec/rules/1/id']],
      message: /duplicate rule id "a" \(first defined at p\.policy\.yaml:6\)/,
    },
    {
      name: 'a deny-list id reused by a rule',
      text: policyText('  denyContent:', '    - { id: x, pattern: secret }', '  rules:', '    - { id: x, action: allow }'),
      expected: [[8, 13, 'error', 'ERR_POLICY_DUPLICATE_RULE_ID', '/spec/rules/0/id']],
    },
    {
      name: 'invalid regex',
      text: policyText('  denyContent:', '    - id: x', '      pattern: "(unclosed"'),
      expected: [[7, 16, 'error', 'ERR_POLICY_INVALID_REGEX', '/spec/denyContent/0/pattern']],
    },
    {
      name: 'unknown endpoint (schema)',
      text: policyText('  rules:', '    - id: a', '      match: { endpoints: [chat, chatt] }', '      action: allow'),
      expected: [[7, 34, 'error', 'ERR_SCHEMA_ENUM', '/spec/rules/0/match/endpoints/1']],
      message: /must be one of "chat"/,
    },
    {
      name: 'unknown property (schema)',
      text: policyText('  rules:', '    - id: a', '      action: allow', '      limit: { maxTokens: 5 }'),
      expected: [[8, 7, 'error', 'ERR_SCHEMA_ADDITIONALPROPERTIES', '/spec/rules/0/limit']],
    },
    {
      name: 'shadowed rule',
      text: policyText('  rules:', '    - id: gpt', '      match: { models: ["gpt-*"] }', '      action: allow',
        '    - id: mini', '      match: { models: [gpt-4o-mini], endpoints: [chat] }', '      action: deny'),
      expected: [[9, 11, 'warning', 'ERR_POLICY_SHADOWED_RULE', '/spec/rules/1/id']],
      message: /rule "mini" is never reached: earlier rule "gpt" \(p\.policy\.yaml:6\)/,
    },
    {
      name: 'a narrower earlier rule does not shadow',
      text: policyText('  rules:', '    - id: mini', '      match: { models: [gpt-4o-mini] }', '      action: deny',
        '    - id: gpt', '      match: { models: ["gpt-*"] }', '      action: allow'),
      expected: [],
    },
    {
      name: 'unreachable default after a catch-all',
      text: policyText('  defaultAction: allow', '  rules:', '    - id: all', '      action: deny'),
      expected: [[5, 18, 'warning', 'ERR_POLICY_UNREACHABLE_DEFAULT', '/spec/defaultAction']],
    },
    {
      name: 'limits on a deny rule and approval on an allow rule',
      text: policyText('  rules:', '    - id: a', '      action: deny', '      limits: { maxTokens: 5 }',
        '    - id: b', '      match: { models: [x] }', '      action: allow', '      approval: { minApprovals: 2 }'),
      expected: [[8, 15, 'warning', 'ERR_POLICY_UNUSED_LIMITS', '/spec/rules/0/limits'], [12, 17, 'warning', 'ERR_POLICY_UNUSED_APPROVAL', '/spec/rules/1/approval'],
        [9, 11, 'warning', 'ERR_POLICY_SHADOWED_RULE', '/spec/rules/1/id']].sort(),
    },
    {
      name: 'deny endpoint entry without paths or endpoints',
      text: policyText('  denyEndpoints:', '    - { id: x, methods: [DELETE] }'),
      expected: [[6, 7, 'error', 'ERR_POLICY_DENY_ENDPOINT_EMPTY', '/spec/denyEndpoints/0']],
    },
    {
      name: 'reserved id',
      text: policyText('  rules:', '    - { id: default, action: allow }'),
      expected: [[6, 13, 'error', 'ERR_POLICY_RESERVED_RULE_ID', '/spec/rules/0/id']],
    },
    {
      name: 'tests naming undefined rules and masks',
      text: [...header, '  rules: [{ id: a, action: allow }]', 'tests:', '  - name: t', '    principal: { subject: s }', '    request: {}',
        '    expect: { action: allow, rule: b, masks: [nope] }', ''].join('\n'),
      expected: [[10, 36, 'error', 'ERR_POLICY_UNDEFINED_RULE', '/tests/0/expect/rule'], [10, 47, 'error', 'ERR_POLICY_UNDEFINED_MASK', '/tests/0/expect/masks/0']],
    },
    {
      name: 'YAML syntax error',
      text: policyText('  rules:', '    - id: a', '     action: [allow'),
      expected: [[7, 6, 'error', 'ERR_YAML_BAD_INDENT', '']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = compile(c.text);
      const got = result.diagnostics.map((d) => [d.line, d.column, d.severity, d.code, d.path]);
      if (c.name.startsWith('YAML')) {
        assert.equal(result.policy, undefined);
        assert.equal(got[0]![2], 'error');
        assert.equal(got[0]![0], 7);
        return;
      }
      assert.deepEqual(c.expected.length > 1 ? got.sort() : got, c.expected);
      if (c.message) assert.match(result.diagnostics[0]!.message, c.message);
      const hasError = c.expected.some((e) => e[2] === 'error');
      assert.equal(result.policy === undefined, hasError, 'a policy is returned exactly when there is no error');
    });
  }

  it('reports unknown detectors when the detector list is given', () => {
    const text = policyText('  masking:', '    - name: m', '      detectors: [email, emial]');
    const { diagnostics } = compilePolicy(parseYamlDocument(text, 'p.policy.yaml'), { knownDetectors: ['all', 'email'] });
    assert.deepEqual(diagnostics.map((d) => [d.line, d.column, d.code]), [[7, 26, 'ERR_POLICY_UNKNOWN_DETECTOR']]);
    assert.match(diagnostics[0]!.message, /unknown detector "emial"/);
  });

  it('pins diagnostics reported by the masking compiler', () => {
    const text = policyText('  masking:', '    - name: m', '      detectors: [x]');
    const { diagnostics } = compilePolicy(parseYamlDocument(text, 'p.policy.yaml'), {
      compileMasking: (_rules, ctx) => ctx.report(0, '/detectors/0', 'no such detector', 'ERR_MASKING_UNKNOWN_DETECTOR'),
    });
    assert.deepEqual(diagnostics.map((d) => [d.line, d.column, d.code, d.message]), [[7, 19, 'ERR_MASKING_UNKNOWN_DETECTOR', 'no such detector']]);
  });

  it('lint stays quiet on a clean policy with an explicit catch-all deny', () => {
    assert.deepEqual(brief(policyText('  rules:', '    - { id: a, match: { models: [x] }, action: allow }', '    - { id: rest, action: deny }')), []);
  });
});

describe('core/policy/compile-policy: several files', () => {
  const fileA = policyText('  rules:', '    - { id: a, match: { models: [a] }, action: allow }');
  const fileB = policyText('  defaultAction: allow', '  rules:', '    - { id: b, match: { models: [b] }, action: deny }');

  it('concatenates rules in file order', () => {
    const { policy } = compilePolicy([parseYamlDocument(fileA, 'a.policy.yaml'), parseYamlDocument(fileB, 'b.policy.yaml')]);
    assert.deepEqual(policy!.rules.map((r) => r.id), ['a', 'b']);
    assert.equal(policy!.defaultAction, 'allow');
    assert.deepEqual(policy!.files, ['a.policy.yaml', 'b.policy.yaml']);
  });

  it('refuses a rule id used in two files, naming both', () => {
    const { policy, diagnostics } = compilePolicy([parseYamlDocument(fileA, 'a.policy.yaml'), parseYamlDocument(fileA.replace('models: [a]', 'models: [z]'), 'c.policy.yaml')]);
    assert.equal(policy, undefined);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]!.file, 'c.policy.yaml');
    assert.match(diagnostics[0]!.message, /duplicate rule id "a" \(first defined at a\.policy\.yaml:6\)/);
  });

  it('refuses files that disagree on defaultAction', () => {
    const deny = policyText('  defaultAction: deny');
    const { diagnostics } = compilePolicy([parseYamlDocument(fileB, 'b.policy.yaml'), parseYamlDocument(deny, 'd.policy.yaml')]);
    assert.deepEqual(diagnostics.map((d) => [d.file, d.code]), [['d.policy.yaml', 'ERR_POLICY_DEFAULT_CONFLICT']]);
  });
});

describe('core/policy/compile-policy: version', () => {
  const base = policyText('  rules:', '    - { id: a, match: { models: [a] }, action: allow }');

  it('is the SHA-256 of the canonical spec: formatting, comments, metadata and tests do not change it', () => {
    const v1 = compile(base).policy!.version;
    const reformatted = [...header.slice(0, 2), 'metadata: { name: other, description: changed }', '# a comment', 'spec:', '  rules:', '    - action: allow', '      match:', '        models: [a]', '      id: a',
      'tests:', '  - { name: t, principal: { subject: s }, request: { model: a }, expect: { action: allow } }', ''].join('\n');
    assert.match(v1, /^sha256:[0-9a-f]{64}$/);
    assert.equal(compile(reformatted).policy!.version, v1);
  });

  it('changes when the spec changes', () => {
    assert.notEqual(compile(base).policy!.version, compile(base.replace('[a]', '[b]')).policy!.version);
  });
});
