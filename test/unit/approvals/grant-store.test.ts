import assert from 'node:assert/strict';
import { GrantStore } from '../../../gateway/approvals/grant-store';
import type { GrantView } from '../../../gateway/approvals/types';

describe('approvals GrantStore.restore', () => {
  const t0 = Date.parse('2026-11-27T10:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  const grant = (over: Partial<GrantView> = {}): GrantView => ({
    id: 'grt_a', principal: { issuer: 'https://idp.test', subject: 'ci' }, rule: 'r', model: 'gpt-4o', approvalId: 'apr_a',
    approvedBy: [{ issuer: 'https://idp.test', subject: 'lead' }], createdAt: iso(t0 - 60_000), expiresAt: iso(t0 + 60_000), uses: 0, ...over,
  });

  it('puts back an unexpired grant, which then covers the same principal, rule and model', () => {
    const store = new GrantStore(() => t0);
    assert.equal(store.restore(grant()), true);
    assert.equal(store.use({ issuer: 'https://idp.test', subject: 'ci', groups: [] }, 'r', 'gpt-4o')?.id, 'grt_a');
    assert.equal(store.use({ issuer: 'https://idp.test', subject: 'ci', groups: [] }, 'r', 'gpt-4o-mini'), undefined);
  });

  it('ignores an expired grant, one it has already, and one older than the grant it holds for that key', () => {
    const store = new GrantStore(() => t0);
    assert.equal(store.restore(grant({ expiresAt: iso(t0) })), false, 'expired');
    assert.equal(store.restore(grant()), true);
    assert.equal(store.restore(grant()), false, 'the same id twice');
    assert.equal(store.restore(grant({ id: 'grt_old', createdAt: iso(t0 - 120_000) })), false, 'older than the one held');
    assert.equal(store.restore(grant({ id: 'grt_new', createdAt: iso(t0 - 1_000) })), true, 'newer replaces it');
    assert.deepEqual(store.list().map((g) => g.id), ['grt_new']);
  });
});
