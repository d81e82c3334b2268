import * as assert from 'node:assert/strict';
import { lineSplitter, parseListenLine } from '../../../../extension/gateway/serve-output';

describe('serve output', () => {
  const cases: [string, ReturnType<typeof parseListenLine>][] = [
    ['data  http://127.0.0.1:8787', { listener: 'data', url: 'http://127.0.0.1:8787' }],
    ['admin http://127.0.0.1:41234', { listener: 'admin', url: 'http://127.0.0.1:41234' }],
    ['admin http://127.0.0.1:41234\r', { listener: 'admin', url: 'http://127.0.0.1:41234' }],
    ['{"level":"info","msg":"data  http://x"}', undefined],
    ['database http://127.0.0.1:1', undefined],
  ];
  for (const [line, expected] of cases) it(`parses ${JSON.stringify(line)}`, () => assert.deepEqual(parseListenLine(line), expected));

  it('splits chunks into complete lines', () => {
    const lines: string[] = [];
    const push = lineSplitter((l) => lines.push(l));
    push('data  http://127');
    push('.0.0.1:1\nadmin http://127.0.0.1:2\r\npartial');
    assert.deepEqual(lines, ['data  http://127.0.0.1:1', 'admin http://127.0.0.1:2']);
  });
});
