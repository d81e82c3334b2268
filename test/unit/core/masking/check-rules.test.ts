import assert from 'node:assert/strict';
import { checkMaskingRules } from '../../../../gateway/core/masking/check-rules';
import { parseYamlDocument } from '../../../../gateway/core/yaml-document';

/** The masking rules of a YAML text at `pointer`, checked; each problem as "line:col path message". */
function check(text: string, pointer = '/spec/masking'): string[] {
  const doc = parseYamlDocument(text, 'p.yaml');
  const rules = pointer.split('/').slice(1).reduce((v: any, k) => v?.[k], doc.value);
  return checkMaskingRules(doc, pointer, rules).map((d) => `${d.line}:${d.column} ${d.path} ${d.message}`);
}

describe('core: checkMaskingRules (mask preview’s check, the schema and compiler the policy uses)', () => {
  it('passes valid rules', () => {
    assert.deepEqual(check('spec:\n  masking:\n    - name: pii\n      detectors: [email]\n'), []);
  });

  it('pins a schema error to its node (unknown property, with the property in the path)', () => {
    assert.deepEqual(check('spec:\n  masking:\n    - name: pii\n      detectors: [email]\n      colour: red\n'), ['5:7 /spec/masking/0/colour unknown property "colour"']);
  });

  it('pins a compile error (a custom pattern the linear-time engine cannot run) to its node', () => {
    const [problem] = check('masking:\n  - name: x\n    detectors: [card]\n    custom:\n      - name: evil\n        pattern: "(a)\\\\1"\n', '/masking');
    assert.match(problem!, /^6:\d+ \/masking\/0\/custom\/0\/pattern .*backreference/);
  });

  it('accepts a rule’s match, defined by the policy schema', () => {
    assert.deepEqual(check('spec:\n  masking:\n    - name: pii\n      detectors: [email]\n      match: { models: [gpt-4o] }\n'), []);
  });
});
