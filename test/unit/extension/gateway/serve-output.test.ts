import * as assert from 'node:assert/strict';
import { lineSplitter, parseListenLine, startupFailure } from '../../../../extension/gateway/serve-output';

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

describe('startupFailure: the reason a gateway gives when it exits during start-up', () => {
  const cases: [string, string[], ReturnType<typeof startupFailure>][] = [
    ['a config diagnostic, with its position', ['{"level":"warn","msg":"development issuer on"}', 'gatehouse: invalid config (1 error):', '/w/gatehouse.yaml:16:15: error: /upstreams/0/auth/secret environment variable OPENAI_API_KEY is not set'],
      { reason: 'environment variable OPENAI_API_KEY is not set', file: '/w/gatehouse.yaml', line: 16, column: 15, path: '/upstreams/0/auth/secret' }],
    ['the first of several diagnostics', ['gatehouse: invalid config (2 errors):', '/w/g.yaml:3:11: error: /server/listen/port must be integer', '/w/g.yaml:7:5: error: /upstreams/0 must have required property \'name\''],
      { reason: 'must be integer', file: '/w/g.yaml', line: 3, column: 11, path: '/server/listen/port' }],
    ['a document-level diagnostic (no path)', ['/w/g.yaml:1:1: error: file not found'], { reason: 'file not found', file: '/w/g.yaml', line: 1, column: 1 }],
    ['its own one-line reason', ['gatehouse: address in use: 127.0.0.1:8787 (choose another with --port / --admin-port, or 0)'], { reason: 'address in use: 127.0.0.1:8787 (choose another with --port / --admin-port, or 0)' }],
    ['a crash: the error line, not the stack', ['/x/dist/gateway.js:10', 'TypeError: cannot read properties of undefined', '    at main (/x/dist/gateway.js:10:3)'], { reason: 'TypeError: cannot read properties of undefined' }],
    ['nothing written', [], undefined],
  ];
  for (const [name, lines, expected] of cases) it(name, () => assert.deepEqual(startupFailure(lines), expected));
});
