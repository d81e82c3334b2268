import * as assert from 'node:assert/strict';
import { toAuditSummary } from '../../../../extension/admin/admin-client';
import { usageText } from '../../../../extension/audit/usage-text';
import type { AuditRecord } from '../../../../gateway/core/admin-api';

/** Issue 21: the Audit Log view shows each outcome's tokens and cost. */
describe('extension: usage in the Audit Log view', () => {
  const outcome: AuditRecord = {
    prev: '0'.repeat(64), hash: 'f'.repeat(64), chain: 'gw-1', time: '2026-01-01T00:00:00.000Z', id: 'o1', seq: 7, kind: 'outcome', model: 'claude-sonnet-4-5', status: 200,
    usage: { inputTokens: 1210, cachedInputTokens: 1000, cacheCreationInputTokens: 200, outputTokens: 50, totalTokens: 1260, source: 'reported' },
    cost: { amount: 0.00183, currency: 'USD' },
  };

  it('an outcome record\'s summary carries its total tokens and cost', () => {
    const s = toAuditSummary(outcome);
    assert.deepEqual([s.tokens, s.cost, s.costCurrency], [1260, 0.00183, 'USD']);
    assert.equal(usageText(s), '1,260 tokens · 0.00183 USD');
  });

  it('without a price: the tokens alone; without usage: nothing', () => {
    const { cost: _cost, ...unpriced } = outcome;
    assert.equal(usageText(toAuditSummary(unpriced)), '1,260 tokens');
    const { usage: _usage, ...none } = unpriced;
    assert.equal(usageText(toAuditSummary(none)), undefined);
    assert.equal(usageText({ tokens: 12, cost: 0.123456, costCurrency: 'EUR' }), '12 tokens · 0.123 EUR');
  });
});
