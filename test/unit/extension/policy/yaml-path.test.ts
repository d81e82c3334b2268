import * as assert from 'node:assert/strict';
import { completionContext, nodeAt } from '../../../../extension/policy/yaml-path';

/** `|` marks the cursor. */
function at(textWithCursor: string) {
  const offset = textWithCursor.indexOf('|');
  return completionContext(textWithCursor.replace('|', ''), offset);
}

describe('completionContext', () => {
  const cases: { name: string; text: string; path: (string | number)[]; position: 'key' | 'value'; prefix: string; inItem?: boolean }[] = [
    { name: 'top-level key', text: 'apiVersion: gatehouse.dev/v1\nki|', path: [], position: 'key', prefix: 'ki' },
    { name: 'key in a rule (indented sequence)', text: 'spec:\n  rules:\n    - id: a\n      act|', path: ['spec', 'rules', 0], position: 'key', prefix: 'act' },
    { name: 'second rule', text: 'spec:\n  rules:\n    - id: a\n      action: allow\n    - id: b\n      |', path: ['spec', 'rules', 1], position: 'key', prefix: '' },
    { name: 'a new item', text: 'spec:\n  rules:\n    - id: a\n    - |', path: ['spec', 'rules', 1], position: 'key', prefix: '', inItem: true },
    { name: 'sequence not indented under its key', text: 'spec:\n  rules:\n  - id: a\n    action: allow\n  - id: b\n    |', path: ['spec', 'rules', 1], position: 'key', prefix: '' },
    { name: 'enum value', text: 'spec:\n  rules:\n    - id: a\n      action: al|', path: ['spec', 'rules', 0, 'action'], position: 'value', prefix: 'al' },
    { name: 'value in a flow list', text: 'spec:\n  rules:\n    - match:\n        endpoints: [chat, emb|', path: ['spec', 'rules', 0, 'match', 'endpoints'], position: 'value', prefix: 'emb' },
    { name: 'deeper than the last key', text: 'spec:\n  rules:\n    - id: a\n      match:\n        |', path: ['spec', 'rules', 0, 'match'], position: 'key', prefix: '' },
    { name: 'back out to a sibling of tests', text: 'spec:\n  rules:\n    - id: a\ntes|', path: [], position: 'key', prefix: 'tes' },
    { name: 'comments and blank lines ignored', text: '# c\nspec:\n\n  # rules below\n  rules:\n    - id: a   # x\n\n      |', path: ['spec', 'rules', 0], position: 'key', prefix: '' },
    { name: 'block scalar content skipped', text: 'spec:\n  denyContent:\n    - id: a\n      pattern: >-\n        - not: an item\n      |', path: ['spec', 'denyContent', 0], position: 'key', prefix: '' },
    { name: 'nested items (list of lists)', text: 'a:\n  - - x: 1\n      |', path: ['a', 0, 0], position: 'key', prefix: '' },
    { name: 'quoted key', text: '"spec":\n  |', path: ['spec'], position: 'key', prefix: '' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = at(c.text);
      assert.deepEqual({ path: r.path, position: r.position, prefix: r.prefix }, { path: c.path, position: c.position, prefix: c.prefix });
      if (c.inItem !== undefined) assert.equal(r.inItem, c.inItem);
    });
  }

  it('reports where the prefix starts', () => {
    const text = 'spec:\n  rules:\n    - id: a\n      act';
    const r = completionContext(text, text.length);
    assert.equal(text.slice(r.prefixStart), 'act');
  });
});

describe('nodeAt', () => {
  const text = 'spec:\n  rules:\n    - id: a\n      limits: { rate: { requests: 5, per: 1m } }\n';
  it('finds a key with its path and range', () => {
    const offset = text.indexOf('rules');
    assert.deepEqual(nodeAt(text, offset + 2), { path: ['spec', 'rules'], onKey: true, start: offset, end: offset + 5 });
  });
  it('finds a key inside flow mappings', () => {
    const r = nodeAt(text, text.indexOf('requests') + 1);
    assert.deepEqual(r?.path, ['spec', 'rules', 0, 'limits', 'rate', 'requests']);
    assert.equal(r?.onKey, true);
  });
  it('finds a scalar value', () => {
    const r = nodeAt(text, text.indexOf('id: a') + 4);
    assert.deepEqual(r, { path: ['spec', 'rules', 0, 'id'], onKey: false, start: text.indexOf('id: a') + 4, end: text.indexOf('id: a') + 5 });
  });
  it('answers undefined between nodes', () => {
    assert.equal(nodeAt('a: 1\n\n\nb: 2\n', 6), undefined);
  });
});
