import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../gateway/core/diagnostics';
import { displayText } from '../../../gateway/core/display-text';

describe('core/display-text', () => {
  const cases: [name: string, text: string, shown: string][] = [
    ['plain text stays as it is', 'gpt-4o-mini /v1/chat/completions ü 模型', 'gpt-4o-mini /v1/chat/completions ü 模型'],
    ['a newline and a carriage return', 'a\nb\rc', 'a\\nb\\rc'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['ESC starting a terminal sequence', 'x\u001b[2K\u001b[1A', 'x\\x1b[2K\\x1b[1A'],
    ['NUL, BEL and DEL', '\u0000\u0007\u007f', '\\x00\\x07\\x7f'],
    ['C1 controls (CSI U+009B, NEL U+0085)', '\u009b2K\u0085', '\\x9b2K\\x85'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u{2028}b\\u{2029}c'],
    ['bidi overrides and isolates (CVE-2021-42574)', 'admin\u202egnp.exe\u2066x\u2069\u200f\u061c', 'admin\\u{202e}gnp.exe\\u{2066}x\\u{2069}\\u{200f}\\u{61c}'],
  ];
  for (const [name, text, shown] of cases) it(name, () => assert.equal(displayText(text), shown));

  it('keeps newlines when asked (multi-line messages), escaping the rest', () => {
    assert.equal(displayText('line 1\nline 2\u001b[31m', { keepNewlines: true }), 'line 1\nline 2\\x1b[31m');
  });

  it('formatDiagnostic shows a value with a newline and ESC from a policy file on one line', () => {
    const line = formatDiagnostic({ file: 'p.yaml', line: 3, column: 9, path: '/spec/rules/1/id', message: 'duplicate rule id "a\n\u001b[1Ap.yaml:1:1: ok"', severity: 'error' });
    assert.equal(line.split('\n').length, 1);
    assert.ok(!line.includes('\u001b'));
    assert.match(line, /duplicate rule id "a\\n\\x1b\[1Ap\.yaml:1:1: ok"$/);
  });
});
