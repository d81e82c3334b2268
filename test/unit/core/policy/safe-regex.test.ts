import assert from 'node:assert/strict';
import { boundPromptText, compileSafeRegex } from '../../../../gateway/core/policy/safe-regex';
import { compilePolicy } from '../../../../gateway/core/policy';
import { parseYamlDocument } from '../../../../gateway/core/yaml-document';

describe('core/policy/safe-regex', () => {
  // Catastrophic on a backtracking engine; on the linear-time engine they are ordinary patterns
  // that match what JavaScript's RegExp matches (their cost is checked in linear-time.test.ts).
  const once = ['(a+)+$', '(x+x+)+y', '^(\\w+\\s?)*$', '(.*a){12}', '([a-z]+)*@', '(\\d+)*\\.', '(a|b+)+c'];
  const samples = ['aaaa', 'aaaab', 'xxy', 'hello world', 'abc@', '12.', 'bbbc', 'a'.repeat(12), ''];
  for (const pattern of once) {
    it(`accepts /${pattern}/ and matches as JavaScript does`, () => {
      const r = compileSafeRegex(pattern);
      assert.ok(r.ok, !r.ok ? r.message : '');
      for (const text of samples) assert.equal(r.regex.test(text), new RegExp(pattern, 'i').test(text), `${pattern} on ${JSON.stringify(text)}`);
    });
  }

  for (const [pattern, construct] of [['(a*)b\\1', 'backreference'], ['(?<n>a)\\k<n>', 'named backreference'], ['secret(?=\\d)', 'lookahead'], ['(?<!no )secret', 'lookbehind']]) {
    it(`refuses the ${construct} in /${pattern}/, which needs backtracking`, () => {
      const r = compileSafeRegex(pattern);
      assert.ok(!r.ok);
      assert.equal(r.code, 'ERR_POLICY_UNSAFE_REGEX');
      assert.ok(r.message.includes(construct) && r.message.includes(`/${pattern}/`), r.message);
    });
  }

  it('reads an escaped backslash or a class as no backreference', () => {
    assert.ok(compileSafeRegex('a\\\\1').ok);
    assert.ok(compileSafeRegex('[(?=]x').ok);
  });

  it('accepts ordinary prompt-extraction patterns, case-insensitively', () => {
    const r = compileSafeRegex('ignore (all )?(previous|prior) instructions');
    assert.ok(r.ok);
    assert.ok(r.ok && r.regex.test('Please IGNORE ALL PREVIOUS INSTRUCTIONS now'));
  });

  it('reports invalid syntax as invalid, not unsafe', () => {
    const r = compileSafeRegex('(unclosed');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'ERR_POLICY_INVALID_REGEX');
    assert.match(!r.ok ? r.message : '', /^invalid regular expression: missing closing \)/);
  });

  it('refuses overlong patterns', () => {
    assert.equal(compileSafeRegex('a'.repeat(1001)).ok, false);
  });

  it('pins an unsafe pattern in a policy file to its line and column', () => {
    const text = [
      'apiVersion: gatehouse.dev/v1',
      'kind: Policy',
      'metadata: { name: p }',
      'spec:',
      '  rules:',
      '    - id: r',
      '      match:',
      '        content: ["ok", "(?!x)y"]',
      '      action: deny',
      '',
    ].join('\n');
    const { policy, diagnostics } = compilePolicy(parseYamlDocument(text, 'p.policy.yaml'));
    assert.equal(policy, undefined);
    assert.equal(diagnostics.length, 1);
    const d = diagnostics[0]!;
    assert.deepEqual([d.line, d.column, d.path, d.code], [8, 25, '/spec/rules/0/match/content/1', 'ERR_POLICY_UNSAFE_REGEX']);
  });

  it('bounds the scanned prompt to head and tail', () => {
    const text = 'H'.repeat(50_000) + 'MIDDLE' + 'T'.repeat(50_000);
    const scanned = boundPromptText(text, 1000);
    assert.equal(scanned.length, 1001);
    assert.ok(scanned.startsWith('H'.repeat(500) + '\n'));
    assert.ok(scanned.endsWith('T'.repeat(500)));
    assert.ok(!scanned.includes('MIDDLE'));
    assert.equal(boundPromptText('short', 1000), 'short');
  });
});
