import assert from 'node:assert/strict';
import type { ApprovalStore } from '../../gateway/state/approval-store';
import { leads, pendingRecord, person, t0 } from '../builders/approval-record';
import { waitFor } from '../builders/wait-for';

/** Two instances' handles on one shared store (the same object for a one-process store). */
export interface ApprovalStorePair {
  a: ApprovalStore;
  b: ApprovalStore;
  close(): Promise<void>;
}

/**
 * The behaviour every ApprovalStore implementation must have. Call it from a test file with a
 * factory for a fresh, empty store: the memory store runs it in test/unit/state/memory-stores.test.ts,
 * a fleet store with its database started by its test.
 */
export function describeApprovalStoreContract(name: string, open: () => Promise<ApprovalStorePair>): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    let a: ApprovalStore;
    let b: ApprovalStore;
    let pair: ApprovalStorePair;
    beforeEach(async () => {
      pair = await open();
      ({ a, b } = pair);
    });
    afterEach(() => pair.close());

    it('keeps what it is given, as copies, and answers on every instance', async () => {
      const record = pendingRecord();
      await a.create(record);
      assert.deepEqual(await b.get(record.id), record);
      const copy = (await a.get(record.id))!;
      copy.votes.push({ issuer: 'x', subject: 'y', at: 1 });
      copy.state = 'approved';
      assert.deepEqual(await a.get(record.id), record, 'changing a returned record changes nothing stored');
      assert.equal(await a.get('apr_unknown'), undefined);
    });

    it('refuses a second record with the same id', async () => {
      const record = pendingRecord();
      await a.create(record);
      await assert.rejects(b.create(pendingRecord({ id: record.id })));
    });

    it('lists pending approvals oldest first on every instance, and settled ones by state', async () => {
      const late = pendingRecord({ requestedAt: t0 + 2000 });
      const early = pendingRecord({ requestedAt: t0 + 1000 });
      const other = pendingRecord({ requestedAt: t0 + 3000 });
      for (const r of [late, early, other]) await a.create(r);
      assert.deepEqual((await b.list('pending')).map((r) => r.id), [early.id, late.id, other.id]);

      assert.equal((await a.apply(other.id, { kind: 'vote', approver: leads(1)[0], verdict: 'deny', at: t0 + 4000 })).ok, true);
      assert.equal((await b.apply(early.id, { kind: 'timeout', at: t0 + 5000 })).ok, true);
      assert.deepEqual((await a.list('pending')).map((r) => r.id), [late.id]);
      assert.deepEqual((await b.list('denied')).map((r) => r.id), [other.id]);
      assert.deepEqual((await b.list('timeout')).map((r) => r.id), [early.id]);
      assert.deepEqual((await a.list('approved')), []);
      assert.deepEqual((await a.list('all')).map((r) => r.id), [early.id, late.id, other.id]);
    });

    it('applies the core rules: a decision settles the record once, visible everywhere, revision bumped', async () => {
      const record = pendingRecord();
      await a.create(record);
      const step = await b.apply(record.id, { kind: 'vote', approver: leads(1)[0], verdict: 'approve', reason: 'ok', at: t0 + 1 });
      assert.ok(step.ok);
      assert.equal(step.record.state, 'approved');
      assert.equal(step.record.revision, record.revision + 1);
      assert.deepEqual(await a.get(record.id), step.record);
      assert.deepEqual(await a.apply(record.id, { kind: 'vote', approver: leads(2)[1], verdict: 'deny', at: t0 + 2 }), { ok: false, refusal: { code: 'already_decided', state: 'approved' } });
      assert.deepEqual(await a.apply(record.id, { kind: 'timeout', at: t0 + 3 }), { ok: false, refusal: { code: 'already_decided', state: 'approved' } });
    });

    it('leaves the record as it was when the rules refuse (self-approval)', async () => {
      const record = pendingRecord({ principal: person('lead-1', ['ml-leads']) });
      await a.create(record);
      assert.deepEqual(await b.apply(record.id, { kind: 'vote', approver: leads(1)[0], verdict: 'approve', at: t0 + 1 }), { ok: false, refusal: { code: 'self' } });
      assert.deepEqual(await a.get(record.id), record);
    });

    it('answers not_found for an unknown approval', async () => {
      assert.deepEqual(await a.apply('apr_unknown', { kind: 'timeout', at: t0 }), { ok: false, refusal: { code: 'not_found' } });
    });

    it('of two decisions racing on two instances, exactly one wins and the other is refused as already decided', async () => {
      for (let round = 0; round < 20; round++) {
        const record = pendingRecord();
        await a.create(record);
        const [lead1, lead2] = leads(2);
        const steps = await Promise.all([
          a.apply(record.id, { kind: 'vote', approver: lead1, verdict: 'approve', at: t0 + 1 }),
          b.apply(record.id, { kind: 'vote', approver: lead2, verdict: 'deny', at: t0 + 1 }),
        ]);
        const won = steps.filter((s) => s.ok);
        assert.equal(won.length, 1, `round ${round}: one decision applies`);
        const lost = steps.find((s) => !s.ok)!;
        assert.ok(!lost.ok && lost.refusal.code === 'already_decided');
        assert.equal((await a.get(record.id))!.state, won[0].ok ? won[0].record.state : undefined);
      }
    });

    it('a decision racing the timeout: exactly one applies', async () => {
      for (let round = 0; round < 20; round++) {
        const record = pendingRecord();
        await a.create(record);
        const steps = await Promise.all([
          a.apply(record.id, { kind: 'timeout', at: t0 + 30_000 }),
          b.apply(record.id, { kind: 'vote', approver: leads(1)[0], verdict: 'approve', at: t0 + 30_000 }),
        ]);
        assert.equal(steps.filter((s) => s.ok).length, 1, `round ${round}`);
      }
    });

    it('loses no vote when approvers race toward a quorum: exactly minApprovals count, the rest are refused', async () => {
      const record = pendingRecord({ approval: { groups: ['ml-leads'], subjects: [], minApprovals: 3, waitMs: 30_000, grantTtlMs: 0 } });
      await a.create(record);
      const approvers = leads(6);
      const steps = await Promise.all(approvers.map((p, i) => (i % 2 ? a : b).apply(record.id, { kind: 'vote', approver: p, verdict: 'approve', at: t0 + i })));
      assert.equal(steps.filter((s) => s.ok).length, 3);
      assert.ok(steps.every((s) => s.ok || s.refusal.code === 'already_decided'));
      const final = (await b.get(record.id))!;
      assert.equal(final.state, 'approved');
      assert.equal(final.votes.length, 3);
      assert.equal(new Set(final.votes.map((v) => v.subject)).size, 3);
    });

    it('refuses the same approver voting twice at once (one vote counts)', async () => {
      const record = pendingRecord({ approval: { groups: ['ml-leads'], subjects: [], minApprovals: 2, waitMs: 30_000, grantTtlMs: 0 } });
      await a.create(record);
      const [lead] = leads(1);
      const steps = await Promise.all([a, b, a, b].map((s) => s.apply(record.id, { kind: 'vote', approver: lead, verdict: 'approve', at: t0 + 1 })));
      assert.equal(steps.filter((s) => s.ok).length, 1);
      assert.ok(steps.every((s) => s.ok || s.refusal.code === 'already_voted'));
      assert.equal((await a.get(record.id))!.votes.length, 1);
    });

    it('marks abandoned the pending approvals of an instance that is gone, and only those', async () => {
      const mine = pendingRecord({ holder: 'gw-a' });
      const settled = pendingRecord({ holder: 'gw-a' });
      const theirs = pendingRecord({ holder: 'gw-b' });
      for (const r of [mine, settled, theirs]) await a.create(r);
      await a.apply(settled.id, { kind: 'vote', approver: leads(1)[0], verdict: 'deny', at: t0 + 1 });
      const abandoned = await b.abandonHeldBy('gw-a', t0 + 2);
      assert.deepEqual(abandoned.map((r) => [r.id, r.state, r.decidedAt]), [[mine.id, 'abandoned', t0 + 2]]);
      assert.equal((await a.get(mine.id))!.state, 'abandoned');
      assert.equal((await a.get(settled.id))!.state, 'denied');
      assert.equal((await a.get(theirs.id))!.state, 'pending');
      assert.deepEqual(await a.apply(mine.id, { kind: 'vote', approver: leads(1)[0], verdict: 'approve', at: t0 + 3 }), { ok: false, refusal: { code: 'expired', state: 'abandoned' } });
    });

    it('carries a decision to the listeners of every instance, with its failure', async () => {
      const record = pendingRecord();
      await a.create(record);
      const seen: { on: string; id: string; state: string; failure?: string }[] = [];
      const offA = a.onDecided((r, failure) => seen.push({ on: 'a', id: r.id, state: r.state, ...(failure ? { failure: failure.message } : {}) }));
      const offB = b.onDecided((r, failure) => seen.push({ on: 'b', id: r.id, state: r.state, ...(failure ? { failure: failure.message } : {}) }));
      const step = await b.apply(record.id, { kind: 'vote', approver: leads(1)[0], verdict: 'approve', at: t0 + 1 });
      assert.ok(step.ok);
      await b.publishDecided(step.record, new Error('audit unavailable'));
      assert.ok(seen.some((s) => s.on === 'b'), 'the publishing instance hears it before publishDecided resolves');
      await waitFor(() => seen.length === 2, 'the other instance hears it too');
      for (const s of seen) assert.deepEqual({ id: s.id, state: s.state, failure: s.failure }, { id: record.id, state: 'approved', failure: 'audit unavailable' });
      offA();
      offB();
      await b.publishDecided(step.record);
      assert.equal(seen.length, 2, 'unsubscribed listeners hear nothing more');
    });
  });
}
