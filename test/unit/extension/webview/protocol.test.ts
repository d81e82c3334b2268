import * as assert from 'node:assert/strict';
import { isWebviewMessage } from '../../../../extension/webview/protocol';

describe('webview protocol', () => {
  const request = { method: 'POST', path: '/v1/chat/completions', body: '{}', subject: 'ci', groups: ['ci'] };
  const valid: unknown[] = [
    { type: 'ready' },
    { type: 'rulesEdited', text: '- name: a' },
    { type: 'sampleEdited', text: '{}' },
    { type: 'chooseSample', id: 'file:///w/samples/a.json' },
    { type: 'setWhere', where: 'client' },
    { type: 'evaluateDecision', request },
    { type: 'log', level: 'error', message: 'CSP violation' },
  ];
  const invalid: unknown[] = [
    null, 'ready', 42, {}, { type: 'nope' },
    { type: 'rulesEdited' }, { type: 'rulesEdited', text: 1 },
    { type: 'chooseSample', id: null },
    { type: 'setWhere', where: 'disk' },
    { type: 'evaluateDecision' }, { type: 'evaluateDecision', request: { ...request, groups: [1] } }, { type: 'evaluateDecision', request: { ...request, body: undefined } },
    { type: 'log', level: 'debug', message: 'x' },
  ];
  for (const m of valid) it(`accepts ${JSON.stringify(m)}`, () => assert.equal(isWebviewMessage(m), true));
  for (const m of invalid) it(`rejects ${JSON.stringify(m)}`, () => assert.equal(isWebviewMessage(m), false));
});
