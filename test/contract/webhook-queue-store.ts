/**
 * The WebhookQueueStore contract: what the alert webhooks' retry queue must do in every
 * implementation (a file in the data dir, PostgreSQL). A runner calls
 * `describeWebhookQueueStoreContract(name, harness)`; the harness gives each test a fresh queue and
 * opens clients of it: for a shared store, several at once (the instances); for the file, one at a
 * time, the next one after the previous closed (a restart).
 */
import assert from 'node:assert/strict';
import { waitFor } from '../builders/wait-for';
import type { ClaimedDelivery, WebhookQueueStore } from '../../gateway/state/webhook-queue-store';

export interface WebhookQueueStoreHarness {
  /** True for a store several instances share at once. */
  shared: boolean;
  fresh(): Promise<{ open(): Promise<WebhookQueueStore> }>;
}

const t0 = 1_800_000_000_000;
const lease = 10_000;
const entry = (channel: string, alertId: string) => ({ channel, alertId, body: `{"id":"${alertId}","text":"dénial 😀"}` });
const ids = (claimed: ClaimedDelivery[]) => claimed.map((c) => c.alertId).sort();

export function describeWebhookQueueStoreContract(name: string, harness: WebhookQueueStoreHarness): void {
  describe(`WebhookQueueStore contract: ${name}`, () => {
    const opened: WebhookQueueStore[] = [];
    let queue: { open(): Promise<WebhookQueueStore> };
    const open = async () => {
      const s = await queue.open();
      opened.push(s);
      return s;
    };
    /** Closes `s` and opens the queue again (a restart of the instance). */
    const reopen = async (s: WebhookQueueStore) => {
      await s.close();
      opened.splice(opened.indexOf(s), 1);
      return open();
    };
    beforeEach(async () => {
      queue = await harness.fresh();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('claims the head of each channel named, once, counting the attempt; the next comes once the head is removed', async () => {
      const s = await open();
      assert.equal(await s.nextDueMs(['soc']), undefined, 'empty');
      for (const [channel, id] of [['soc', 'a1'], ['soc', 'a2'], ['pager', 'b1'], ['other', 'c1']]) assert.deepEqual(await s.enqueue(entry(channel!, id!), t0), []);
      const first = await s.claim(['soc', 'pager'], t0, lease);
      assert.deepEqual(ids(first), ['a1', 'b1'], 'heads only, of the channels named');
      const a1 = first.find((c) => c.alertId === 'a1')!;
      assert.deepEqual({ ...a1, id: undefined, claim: undefined }, { id: undefined, claim: undefined, channel: 'soc', alertId: 'a1', body: entry('soc', 'a1').body, attempts: 1, dueMs: t0 });
      assert.deepEqual(await s.claim(['soc', 'pager'], t0 + 1, lease), [], 'claimed heads are not claimed again, nor what waits behind them');
      assert.equal(await s.nextDueMs(['soc']), t0 + lease, 'the head is next claimable when its lease ends');
      assert.equal(await s.remove(a1), true);
      assert.deepEqual(ids(await s.claim(['soc', 'pager'], t0 + 2, lease)), ['a2']);
      assert.equal(await s.nextDueMs(['other']), t0);
    });

    it('a failed head is retried at its time, still ahead of its channel, with its attempts counted', async () => {
      const s = await open();
      await s.enqueue(entry('soc', 'a1'), t0);
      await s.enqueue(entry('soc', 'a2'), t0);
      const [a1] = await s.claim(['soc'], t0, lease);
      assert.equal(await s.retryAt(a1!, t0 + 5000), true);
      assert.equal(await s.nextDueMs(['soc']), t0 + 5000);
      assert.deepEqual(await s.claim(['soc'], t0 + 4999, lease), [], 'neither the head before its time nor the entry behind it');
      const [again] = await s.claim(['soc'], t0 + 5000, lease);
      assert.equal(again!.alertId, 'a1');
      assert.equal(again!.attempts, 2);
      assert.equal(again!.dueMs, t0 + 5000);
    });

    it('a lapsed claim (its holder died mid-delivery) is claimable again, and the late holder can no longer remove or reschedule it', async () => {
      const s = await open();
      await s.enqueue(entry('soc', 'a1'), t0);
      const [dead] = await s.claim(['soc'], t0, lease);
      const [taken] = await s.claim(['soc'], t0 + lease, lease);
      assert.equal(taken!.alertId, 'a1');
      assert.equal(taken!.attempts, 2);
      assert.equal(await s.remove(dead!), false);
      assert.equal(await s.retryAt(dead!, t0 + lease + 1), false);
      assert.equal(await s.remove(taken!), true);
      assert.equal(await s.nextDueMs(['soc']), undefined);
    });

    it('keeps entries, order, attempts and due times across a restart; claims do not outlive their holder\'s lease', async () => {
      let s = await open();
      await s.enqueue(entry('soc', 'a1'), t0);
      await s.enqueue(entry('soc', 'a2'), t0);
      const [a1] = await s.claim(['soc'], t0, lease);
      await s.retryAt(a1!, t0 + 3000);
      await s.enqueue(entry('pager', 'b1'), t0);
      await s.claim(['pager'], t0, lease); // in flight when the instance stops
      s = await reopen(s);
      assert.equal(await s.nextDueMs(['soc']), t0 + 3000);
      const back = await s.claim(['soc', 'pager'], t0 + lease, lease);
      assert.deepEqual(back.map((c) => [c.alertId, c.attempts]).sort(), [['a1', 2], ['b1', 2]]);
      await s.remove(back.find((c) => c.alertId === 'a1')!);
      assert.deepEqual(ids(await s.claim(['soc'], t0 + lease, lease)), ['a2']);
    });

    it(harness.shared
      ? 'removes the entries of a webhook no longer configured once its head has waited staleMs unclaimed (an instance that still has it would have claimed it)'
      : 'removes the entries of a webhook no longer configured at once (only this instance delivers them)', async () => {
      const s = await open();
      for (const [channel, id] of [['old', 'o1'], ['soc', 's1'], ['old', 'o2'], ['gone', 'g1']]) await s.enqueue(entry(channel!, id!), t0);
      const stale = 60_000;
      if (harness.shared) {
        assert.deepEqual(await s.removeOrphans(['soc'], t0 + stale - 1, stale), [], 'not yet stale');
        // Another instance, which still has `gone`, claims its head: the lease keeps it.
        const other = await open();
        assert.deepEqual(ids(await other.claim(['gone'], t0, lease)), ['g1']);
        const removed = await s.removeOrphans(['soc'], t0 + stale, stale);
        assert.deepEqual(removed.map((r) => [r.channel, r.alertId, r.attempts]), [['old', 'o1', 0], ['old', 'o2', 0]]);
        assert.deepEqual((await s.removeOrphans(['soc'], t0 + lease + stale, stale)).map((r) => r.alertId), ['g1'], 'a lease that lapsed long ago keeps nothing');
      } else {
        const removed = await s.removeOrphans(['soc'], t0, stale);
        assert.deepEqual(removed.map((r) => [r.channel, r.alertId, r.attempts]), [['old', 'o1', 0], ['old', 'o2', 0], ['gone', 'g1', 0]]);
        const again = await reopen(s);
        assert.deepEqual(await again.removeOrphans(['soc'], t0, stale), [], 'removed for good');
      }
      const left = await opened[0]!.claim(['soc', 'old', 'gone'], t0 + lease + stale, lease);
      assert.deepEqual(ids(left), ['s1'], 'the configured webhook\'s entry stays');
    });

    if (harness.shared) {
      it('instances claiming at once never claim one entry twice, and each channel goes out in order', async () => {
        const instances = [await open(), await open(), await open()];
        const channels = ['soc', 'pager', 'slack'];
        for (let i = 0; i < 6; i++) for (const c of channels) await instances[i % 3]!.enqueue(entry(c, `${c}-${i}`), t0);
        const delivered: string[] = [];
        for (let round = 0; round < 20 && delivered.length < 18; round++) {
          const claims = await Promise.all(instances.map((s) => s.claim(channels, t0 + round, lease)));
          const flat = claims.flat();
          assert.equal(new Set(flat.map((c) => c.id)).size, flat.length, 'no entry claimed by two instances');
          assert.ok(flat.length <= channels.length, 'at most one head per channel in flight');
          for (const [i, mine] of claims.entries()) {
            for (const c of mine) {
              assert.equal(await instances[i]!.remove(c), true);
              delivered.push(c.alertId);
            }
          }
        }
        for (const c of channels) assert.deepEqual(delivered.filter((d) => d.startsWith(c)), [0, 1, 2, 3, 4, 5].map((i) => `${c}-${i}`));
      });

      it('an entry one instance queued is claimed by another', async () => {
        const [a, b] = [await open(), await open()];
        await a.enqueue(entry('soc', 'a1'), t0);
        assert.equal(await b.nextDueMs(['soc']), t0);
        assert.deepEqual(ids(await b.claim(['soc'], t0, lease)), ['a1']);
        assert.deepEqual(await a.claim(['soc'], t0, lease), []);
      });

      it('an instance hears at once that another queued or rescheduled an entry, never of its own changes', async () => {
        const [a, b] = [await open(), await open()];
        const heard = { a: 0, b: 0 };
        a.onChanged(() => heard.a++);
        b.onChanged(() => heard.b++);
        await a.enqueue(entry('soc', 'a1'), t0);
        await waitFor(() => heard.b === 1, 'b hears of the entry a queued');
        const [claimed] = await a.claim(['soc'], t0, lease);
        assert.equal(await a.retryAt(claimed!, t0 + 1000), true);
        await waitFor(() => heard.b === 2, 'b hears of the entry a rescheduled');
        // Notifications reach each listener in commit order: a's own two would have come before this.
        await b.enqueue(entry('pager', 'b1'), t0);
        await waitFor(() => heard.a === 1, 'a hears of the entry b queued');
        assert.deepEqual(heard, { a: 1, b: 2 });
      });
    }
  });
}
