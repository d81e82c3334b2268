import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../gateway/core/diagnostics';
import { parseYamlDocument, pointerToPath } from '../../../gateway/core/yaml-document';

describe('core: YAML documents keep source positions', () => {
  const text = ['server:', '  listen:', '    port: nope', 'upstreams:', '  - name: a', '    url: x', ''].join('\n');
  const doc = parseYamlDocument(text, 'g.yaml');

  it('locates values by JSON pointer', () => {
    assert.deepEqual(doc.locate('/server/listen/port'), { line: 3, column: 11, endLine: 3, endColumn: 15 });
    assert.equal(doc.locate('/upstreams/0/url').line, 6);
  });

  it('locates a key instead of its value when asked', () => {
    assert.deepEqual(doc.locate('/upstreams/0/url', true).column, 5);
  });

  it('falls back to the nearest existing ancestor for a missing path', () => {
    assert.equal(doc.locate('/upstreams/0/missing').line, 5);
  });

  it('pins syntax errors and formats diagnostics', () => {
    const bad = parseYamlDocument('a: [1\n', 'bad.yaml');
    assert.equal(bad.value, undefined);
    assert.ok(bad.syntaxErrors.length > 0);
    assert.match(formatDiagnostic(bad.syntaxErrors[0]!), /^bad\.yaml:\d+:\d+: error: /);
  });

  it('rejects duplicate keys', () => {
    const dup = parseYamlDocument('x: 0\nb:\n  a: 1\n  a: 2\n', 'dup.yaml');
    assert.equal(dup.syntaxErrors[0]!.code, 'ERR_YAML_DUPLICATE_KEY');
    assert.equal(dup.syntaxErrors[0]!.line, 4);
  });

  it('decodes escaped pointer segments', () => {
    assert.deepEqual(pointerToPath('/a~1b/0/c~0d'), ['a/b', 0, 'c~d']);
  });
});
