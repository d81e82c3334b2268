import assert from 'node:assert/strict';
import type { Grant } from '../../gateway/core/admin-api';
import type { GrantStore, NewGrant } from '../../gateway/state/grant-store';
import { person, t0 } from '../builders/approval-record';

/** Two instances' handles on one shared grant store, both reading the test's clock. */
export interface GrantStorePair {
  a: GrantStore;
  b: GrantStore;
  close(): Promise<void>;
}

const ci = person('ci-deployer', ['ci']);
const lead = person('ml-lead', ['ml-leads']);
const iso = (ms: number) => new Date(ms).toISOString();

function newGrant(over: Partial<NewGrant> = {}): NewGrant {
  return { id: `grt_${Math.random().toString(36).slice(2)}`, principal: ci, rule: 'r', model: 'gpt-4o', ttlMs: 60_000, approvalId: 'apr_1', approvedBy: [{ issuer: lead.issuer, subject: lead.subject }], ...over };
}

/**
 * The behaviour every GrantStore implementation must have. `open(now)` gives a fresh, empty
 * store whose clock is `now` (the test moves it to expire grants).
 */
export function describeGrantStoreContract(name: string, open: (now: () => number) => Promise<GrantStorePair>): void {
  describe(`GrantStore contract: ${name}`, () => {
    let clock: number;
    let a: GrantStore;
    let b: GrantStore;
    let pair: GrantStorePair;
    beforeEach(async () => {
      clock = t0;
      pair = await open(() => clock);
      ({ a, b } = pair);
    });
    afterEach(() => pair.close());

    it('a grant made on one instance covers the same issuer, subject, rule and model on another, counting uses', async () => {
      const made = await a.make(newGrant());
      assert.deepEqual(made, { id: made.id, principal: { issuer: ci.issuer, subject: ci.subject }, rule: 'r', model: 'gpt-4o', approvalId: 'apr_1', approvedBy: [{ issuer: lead.issuer, subject: lead.subject }], createdAt: iso(t0), expiresAt: iso(t0 + 60_000), uses: 0 });
      assert.equal((await b.use(ci, 'r', 'gpt-4o'))?.uses, 1);
      assert.equal((await a.use(ci, 'r', 'gpt-4o'))?.uses, 2);
      for (const [who, rule, model] of [
        [ci, 'r', 'gpt-4o-mini'],
        [ci, 'other-rule', 'gpt-4o'],
        [person('someone-else'), 'r', 'gpt-4o'],
        [person('ci-deployer', ['ci'], 'https://other-issuer.test'), 'r', 'gpt-4o'],
        [ci, 'r', undefined],
      ] as const) assert.equal(await b.use(who, rule, model), undefined, `${who.issuer} ${who.subject} ${rule} ${model}`);
    });

    it('a grant without a model covers requests without one only', async () => {
      await a.make(newGrant({ model: undefined }));
      assert.equal((await b.use(ci, 'r', undefined))?.model, undefined);
      assert.equal(await b.use(ci, 'r', 'gpt-4o'), undefined);
    });

    it('counts every one of concurrent uses', async () => {
      await a.make(newGrant());
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).use(ci, 'r', 'gpt-4o')));
      assert.equal((await b.list())[0].uses, 10);
    });

    it('a new grant for the same key replaces the old one', async () => {
      const first = await a.make(newGrant());
      clock += 1000;
      const second = await b.make(newGrant({ approvalId: 'apr_2' }));
      assert.deepEqual((await a.list()).map((g) => g.id), [second.id]);
      assert.equal((await a.use(ci, 'r', 'gpt-4o'))?.approvalId, 'apr_2');
      assert.equal(await b.revoke(first.id, lead), undefined, 'the replaced grant is gone');
    });

    it('stops covering at expiresAt and lists only active grants', async () => {
      const kept = await a.make(newGrant({ rule: 'long', ttlMs: 120_000 }));
      await a.make(newGrant());
      clock = t0 + 60_000;
      assert.equal(await b.use(ci, 'r', 'gpt-4o'), undefined);
      assert.deepEqual((await b.list()).map((g) => g.id), [kept.id]);
    });

    it('a revocation on one instance is seen by the other at once', async () => {
      const made = await a.make(newGrant());
      clock += 5000;
      const revoked = await b.revoke(made.id, lead);
      assert.deepEqual(revoked, { ...made, revokedAt: iso(clock), revokedBy: { issuer: lead.issuer, subject: lead.subject } });
      assert.equal(await a.use(ci, 'r', 'gpt-4o'), undefined);
      assert.deepEqual(await a.list(), []);
      assert.equal(await a.revoke(made.id, lead), undefined, 'revoked once');
      assert.equal(await a.revoke('grt_unknown', lead), undefined);
    });

    it('restores an unexpired grant, ignoring an expired one, one it has, and one older than the one it holds', async () => {
      const grant = (over: Partial<Grant> = {}): Grant => ({
        id: 'grt_a', principal: { issuer: ci.issuer, subject: ci.subject }, rule: 'r', model: 'gpt-4o', approvalId: 'apr_a',
        approvedBy: [{ issuer: lead.issuer, subject: lead.subject }], createdAt: iso(t0 - 60_000), expiresAt: iso(t0 + 60_000), uses: 0, ...over,
      });
      assert.equal(await a.restore(grant({ expiresAt: iso(t0) })), false, 'expired');
      assert.equal(await a.restore(grant()), true);
      assert.equal((await b.use(ci, 'r', 'gpt-4o'))?.id, 'grt_a');
      assert.equal(await b.restore(grant()), false, 'the same id twice');
      assert.equal(await b.restore(grant({ id: 'grt_old', createdAt: iso(t0 - 120_000) })), false, 'older than the one held');
      assert.equal(await b.restore(grant({ id: 'grt_new', createdAt: iso(t0 - 1_000) })), true, 'newer replaces it');
      assert.deepEqual((await a.list()).map((g) => g.id), ['grt_new']);
    });
  });
}
