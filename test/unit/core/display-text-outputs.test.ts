import assert from 'node:assert/strict';
import { findingLine } from '../../../gateway/core/audit/findings';
import { createLogger } from '../../../gateway/log';
import { describeApproval } from '../../../extension/approvals/approval-text';
import type { PendingApproval } from '../../../extension/admin/admin-types';

/** Caller text with a forged line (newline + ESC erase-line) and a bidi override. */
const forged = 'gpt-4o\n2026-12-06T00:00:00.000Z INFO  all good\u001b[2K';
const reversed = 'gpt-4o\u202Einim-';

describe('human-readable outputs escape caller text (issue 15 item 6)', () => {
  it('the approval toast line: no line break, no ESC, no bidi control from the caller', () => {
    const line = describeApproval({ principal: 'ci\u2028bot', method: 'POST', path: '/v1/chat/completions', model: forged, rule: reversed } as unknown as PendingApproval);
    assert.doesNotMatch(line, /[\n\u001b\u2028\u202e]/);
    assert.equal(line, 'ci\\u{2028}bot wants POST /v1/chat/completions on gpt-4o\\n2026-12-06T00:00:00.000Z INFO  all good\\x1b[2K — rule gpt-4o\\u{202e}inim-');
  });

  it('the text log: one event is one line whatever its fields hold', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.info('request refused', { model: forged, rule: reversed });
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0]!, /[\n\u001b\u202e]/);
    assert.match(lines[0]!, /model=gpt-4o\\n2026-12-06T00:00:00\.000Z INFO {2}all good\\x1b\[2K rule=gpt-4o\\u\{202e\}inim-$/);
  });

  it('an audit verify finding quoting a tampered record stays one line', () => {
    const line = findingLine({ kind: 'modified', seq: 7, id: 'r\n1', message: `record changed: ${forged}` } as Parameters<typeof findingLine>[0]);
    assert.doesNotMatch(line, /[\n\u001b]/);
    assert.match(line, /^INVALID: .*seq 7 id r\\n1: record changed: gpt-4o\\n2026/);
  });
});
