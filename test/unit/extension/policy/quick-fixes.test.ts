import * as assert from 'node:assert/strict';
import { analyzePolicy, schemaNavigator } from '../../../../extension/policy/policy-analysis';
import { closest, editDistance, quickFixes } from '../../../../extension/policy/quick-fixes';

const header = 'apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata:\n  name: t\n';

/** Analyzes `text` and returns the fixes for its first diagnostic with `code`, applied to the text. */
function fix(text: string, code: string) {
  const { doc, diagnostics } = analyzePolicy(text, 't.policy.yaml');
  const d = diagnostics.find((x) => x.code === code);
  assert.ok(d, `no ${code} in ${JSON.stringify(diagnostics.map((x) => x.code))}`);
  const fixes = quickFixes(d, { text, value: doc.value, navigator: schemaNavigator('policy') });
  return fixes.map((f) => ({ title: f.title, result: apply(text, f.edit) }));
}

function apply(text: string, e: { line: number; column: number; endLine: number; endColumn: number; newText: string }): string {
  const lines = text.split('\n');
  const offset = (l: number, c: number) => lines.slice(0, l - 1).reduce((n, s) => n + s.length + 1, 0) + c - 1;
  return text.slice(0, offset(e.line, e.column)) + e.newText + text.slice(offset(e.endLine, e.endColumn));
}

describe('quick fixes', () => {
  it('renames an unknown property to the closest known one', () => {
    const text = `${header}spec:\n  rules:\n    - id: a\n      acton: allow\n`;
    assert.deepEqual(fix(text, 'ERR_SCHEMA_ADDITIONALPROPERTIES'), [
      { title: 'Change to "action"', result: `${header}spec:\n  rules:\n    - id: a\n      action: allow\n` },
    ]);
  });

  it('offers nothing when no known property is close', () => {
    const text = `${header}spec:\n  rules:\n    - id: a\n      action: allow\n      zzzzzzzz: 1\n`;
    assert.deepEqual(fix(text, 'ERR_SCHEMA_ADDITIONALPROPERTIES'), []);
  });

  it('fixes an enum typo', () => {
    const text = `${header}spec:\n  rules:\n    - id: a\n      action: alow\n`;
    assert.deepEqual(fix(text, 'ERR_SCHEMA_ENUM'), [{ title: 'Change to "allow"', result: `${header}spec:\n  rules:\n    - id: a\n      action: allow\n` }]);
  });

  it('fixes a detector typo (a semantic check)', () => {
    const text = `${header}spec:\n  masking:\n    - name: m\n      detectors: [emial]\n`;
    assert.deepEqual(fix(text, 'ERR_POLICY_UNKNOWN_DETECTOR').map((f) => f.result), [`${header}spec:\n  masking:\n    - name: m\n      detectors: [email]\n`]);
  });

  it('renames a duplicate rule id with the first free suffix', () => {
    const text = `${header}spec:\n  rules:\n    - id: a\n      action: allow\n    - id: a-2\n      action: allow\n    - id: a\n      action: deny\n`;
    assert.deepEqual(fix(text, 'ERR_POLICY_DUPLICATE_RULE_ID'), [
      { title: 'Rename to "a-3"', result: text.replace(/id: a\n      action: deny/, 'id: a-3\n      action: deny') },
    ]);
  });

  it('inserts a missing apiVersion and kind after leading comments', () => {
    const text = '# my policy\nmetadata:\n  name: t\nspec: {}\n';
    assert.deepEqual(fix(text, 'ERR_SCHEMA_REQUIRED').map((f) => f.result), ['# my policy\napiVersion: gatehouse.dev/v1\nmetadata:\n  name: t\nspec: {}\n']);
    const { doc, diagnostics } = analyzePolicy(text, 't.policy.yaml');
    const kind = diagnostics.find((d) => d.message.includes('"kind"'))!;
    assert.equal(quickFixes(kind, { text, value: doc.value, navigator: schemaNavigator('policy') })[0]!.edit.newText, 'kind: Policy\n');
    // metadata has no single value: no insertion offered
    const noMeta = analyzePolicy(`apiVersion: gatehouse.dev/v1\nkind: Policy\nspec: {}\n`, 'x.policy.yaml');
    const d = noMeta.diagnostics.find((x) => x.message.includes('"metadata"'))!;
    assert.deepEqual(quickFixes(d, { text: '', value: noMeta.doc.value, navigator: schemaNavigator('policy') }), []);
  });

  it('closest and editDistance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.deepEqual(closest('acton', ['action', 'approval', 'limits']), ['action']);
    assert.deepEqual(closest('x', ['action']), []);
    assert.deepEqual(closest('ab', ['aa', 'bb', 'abc']), ['aa', 'bb', 'abc']);
  });
});
