/**
 * The CounterStore contract: what every implementation (memory, PostgreSQL, Redis) must do.
 * A runner calls `describeCounterStoreContract(name, harness)`; the harness gives
 * each test a fresh namespace and, for shared stores, several clients of it (the instances).
 */
import assert from 'node:assert/strict';
import type { Admission, AdmitResult, CounterStore } from '../../gateway/state/counter-store';

export interface CounterStoreHarness {
  /** True for stores that instances share (leases, atomicity across clients). */
  shared: boolean;
  /** A fresh, empty namespace; `instance()` opens one more client of it (the first call included). */
  fresh(): Promise<{ instance(): Promise<CounterStore> }>;
}

const minute = 60_000;
/** A key as the admission control makes them: rule, issuer and subject joined with NUL. */
const k = 'rule\u0000https://idp.test\u0000sübject 😀';

export function describeCounterStoreContract(name: string, harness: CounterStoreHarness): void {
  describe(`CounterStore contract: ${name}`, () => contract(harness));
}

function contract(harness: CounterStoreHarness): void {
  const opened: CounterStore[] = [];
  let ns: { instance(): Promise<CounterStore> };
  const instance = async () => {
    const s = await ns.instance();
    opened.push(s);
    return s;
  };
  // Real time as the base: the shared stores' own renewal timers run on Date.now().
  let t0: number;
  beforeEach(async () => {
    ns = await harness.fresh();
    t0 = Date.now();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  const admit = async (s: CounterStore, a: Admission): Promise<AdmitResult> => s.admit(a);
  /** A request's limits under one key, as the admission control asks them: its slot, its rate window. */
  type Part = (key: string) => Partial<Admission>;
  const at = (key: string, now: number, ...parts: Part[]): Admission => Object.assign({ now }, ...parts.map((p) => p(key)));
  const rate = (limit: number, amount = 1, ms = minute): Part => (key) => ({ windows: [{ key, amount, limit, ms }] });
  const slot = (id: string, limit: number, leaseMs = minute): Part => (key) => ({ slot: { key, id, limit, leaseMs } });

  it('charges a window up to its limit, then refuses until it ends, with the time left', async () => {
    const s = await instance();
    for (let i = 0; i < 3; i++) assert.equal((await admit(s, at(k, t0 + i * 1000, rate(3)))).admitted, true);
    assert.deepEqual(await admit(s, at(k, t0 + 15_000, rate(3))), { admitted: false, refusedBy: 'window', window: 0, retryAfterMs: 45_000 });
    assert.equal((await admit(s, at('other', t0 + 15_000, rate(3)))).admitted, true, 'windows are per key');
    assert.equal((await admit(s, at(k, t0 + minute, rate(3)))).admitted, true, 'a new window');
  });

  it('holds at most the limit of slots; a release frees one, twice is harmless', async () => {
    const s = await instance();
    assert.equal((await admit(s, at(k, t0, slot('a', 2)))).admitted, true);
    assert.equal((await admit(s, at(k, t0, slot('b', 2)))).admitted, true);
    assert.deepEqual(await admit(s, at(k, t0, slot('c', 2))), { admitted: false, refusedBy: 'concurrency' });
    s.release(k, 'a');
    s.release(k, 'a');
    await eventually(async () => (await admit(s, at(k, t0, slot('d', 2)))).admitted);
    assert.deepEqual(await admit(s, at(k, t0, slot('e', 2))), { admitted: false, refusedBy: 'concurrency' }, 'a double release freed only one');
  });

  it('charges nothing for a request refused by its slot, and takes no slot for one refused by its window', async () => {
    const s = await instance();
    const both = (id: string) => at(k, t0, rate(2), slot(id, 1));
    assert.equal((await admit(s, both('a'))).admitted, true);
    assert.equal((await admit(s, both('b'))).admitted, false);
    s.release(k, 'a');
    await eventually(async () => (await admit(s, both('c'))).admitted); // the window's second request: b was not charged
    s.release(k, 'c');
    await eventually(async () => {
      const r = await admit(s, both('d'));
      return !r.admitted && r.refusedBy === 'window';
    });
    assert.equal((await admit(s, at(k, t0, slot('e', 1)))).admitted, true, 'the window refusal took no slot');
  });

  it('reserves n and settles the real amount later, within the same window only', async () => {
    const s = await instance();
    const r = await admit(s, at(k, t0, rate(10, 6)));
    assert.ok(r.admitted);
    const { charge } = r.charges[0]!;
    assert.equal((await admit(s, at(k, t0, rate(10, 5)))).admitted, false, '6 + 5 > 10');
    await s.settle(charge, -4); // used 2 of the 6 reserved
    assert.equal((await admit(s, at(k, t0, rate(10, 8)))).admitted, true, '2 + 8 = 10');
    assert.equal((await admit(s, at(k, t0, rate(10, 1)))).admitted, false);
    const next = await admit(s, at(k, t0 + minute, rate(10, 3)));
    await s.settle(charge, -6); // the reservation's window has ended: nothing changes
    assert.ok(next.admitted);
    assert.equal((await admit(s, at(k, t0 + minute, rate(10, 8)))).admitted, false, '3 + 8 > 10 in the new window');
  });

  it('reports the window\'s count after each charge and settlement (budget alerts read it); nothing for an ended window', async () => {
    const s = await instance();
    const first = await admit(s, at(k, t0, rate(100, 30)));
    assert.ok(first.admitted);
    const { charge, used } = first.charges[0]!;
    assert.equal(used, 30);
    const second = await admit(s, at(k, t0 + 1000, rate(100, 45)));
    assert.ok(second.admitted);
    assert.equal(second.charges[0]!.used, 75);
    assert.equal(await s.settle(charge, 40), 115, 'an overshoot past the limit counts');
    assert.equal(await s.settle(charge, -200), 0, 'never below 0');
    const slotOnly = await admit(s, at('slots', t0, slot('a', 1)));
    assert.deepEqual(slotOnly, { admitted: true, charges: [] }, 'no window asked, no count');
    const next = await admit(s, at(k, t0 + minute, rate(100, 5)));
    assert.ok(next.admitted);
    assert.equal(next.charges[0]!.used, 5, 'a new window starts from the charge');
    assert.equal(await s.settle(charge, 10), undefined, 'the charge\'s window has ended');
  });

  it('refuses more than a whole window at once without touching it', async () => {
    const s = await instance();
    assert.equal((await admit(s, at(k, t0, rate(5, 6)))).admitted, false);
    assert.equal((await admit(s, at(k, t0, rate(5, 5)))).admitted, true);
  });

  describe('several windows in one admission (a rate limit and budget lines), all or nothing', () => {
    const win = (key: string, limit: number, amount = 1, ms = minute) => ({ key, amount, limit, ms });
    const budget = 'rule\u0000tokens.total\u0000group\u0000ml';
    const spend = 'rule\u0000spend\u0000group\u0000ml';

    it('charges every window and reports each one\'s start and count after it, in the order asked', async () => {
      const s = await instance();
      await admit(s, { now: t0, windows: [win(spend, 100, 7)] });
      const r = await admit(s, { now: t0 + 1000, windows: [win(k, 3), win(budget, 1000, 20), win(spend, 100, 10)] });
      assert.ok(r.admitted);
      assert.deepEqual(r.charges.map((c) => [c.charge.key, c.charge.windowStart - t0, c.used]), [[k, 1000, 1], [budget, 1000, 20], [spend, 0, 17]]);
      assert.equal(await s.settle(r.charges[1]!.charge, -5), 15, 'each charge settles on its own');
    });

    it('a refusal by any window charges none of them, and names the first that refused with the time until it ends', async () => {
      const s = await instance();
      await admit(s, { now: t0, windows: [win(spend, 100, 95)] }); // the spend window is nearly full
      const windows = [win(k, 3), win(budget, 1000, 20), win(spend, 100, 10)];
      assert.deepEqual(await admit(s, { now: t0 + 20_000, windows }), { admitted: false, refusedBy: 'window', window: 2, retryAfterMs: 40_000 });
      // Nothing was charged: the rate window still admits three, the budget its 1000, the spend window 5 more.
      const after = await admit(s, { now: t0 + 20_000, windows: [win(k, 3, 3), win(budget, 1000, 1000), win(spend, 100, 5)] });
      assert.ok(after.admitted, 'the refused request left no charge behind');
      assert.deepEqual(after.charges.map((c) => c.used), [3, 1000, 100]);
      // Both the rate window and the budget are full now: the first in order answers.
      assert.deepEqual(await admit(s, { now: t0 + 30_000, windows: [win(k, 3), win(budget, 1000)] }), { admitted: false, refusedBy: 'window', window: 0, retryAfterMs: 50_000 });
      assert.deepEqual(await admit(s, { now: t0 + 30_000, windows: [win('someone', 3), win(budget, 1000)] }), { admitted: false, refusedBy: 'window', window: 1, retryAfterMs: 50_000 });
    });

    it('a refusal takes no slot; the slot is checked first, and a request refused there charges no window', async () => {
      const s = await instance();
      await admit(s, { now: t0, windows: [win(budget, 10, 10)] });
      const asked = (id: string, windows: ReturnType<typeof win>[]): Admission => ({ now: t0, slot: { key: k, id, limit: 1, leaseMs: minute }, windows });
      assert.equal((await admit(s, asked('a', [win(k, 5), win(budget, 10)]))).admitted, false, 'the budget is full');
      assert.equal((await admit(s, asked('b', [win(k, 5)]))).admitted, true, 'the refused request took no slot');
      assert.deepEqual(await admit(s, asked('c', [win(k, 5), win('empty', 10)])), { admitted: false, refusedBy: 'concurrency' }, 'the slot refuses before any window');
      const r = await admit(s, { now: t0, windows: [win(k, 5, 4), win('empty', 10, 10)] });
      assert.ok(r.admitted, 'neither window was charged for the request the slot refused');
      assert.deepEqual(r.charges.map((c) => c.used), [5, 10]);
    });

    it('the same window asked twice is charged twice, and refused when the two do not fit', async () => {
      const s = await instance();
      assert.deepEqual(await admit(s, { now: t0, windows: [win(budget, 10, 6), win(budget, 10, 6)] }), { admitted: false, refusedBy: 'window', window: 1, retryAfterMs: minute });
      const r = await admit(s, { now: t0, windows: [win(budget, 10, 6), win(budget, 10, 4)] });
      assert.ok(r.admitted, 'the refusal before charged nothing');
      assert.deepEqual(r.charges.map((c) => c.used), [6, 10]);
    });
  });

  if (!harness.shared) return;

  it('several windows across instances: never more through than the tightest allows, and no window charged by a refused request', async () => {
    const instances = await Promise.all([instance(), instance(), instance()]);
    const group = 'rule\u0000tokens.total\u0000group\u0000ml';
    // Ten callers in one group: each has its own rate window (2), the group a budget of 5 × 10 tokens.
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => admit(instances[i % 3]!, {
      now: t0, windows: [{ key: `caller-${i % 10}`, amount: 1, limit: 2, ms: minute }, { key: group, amount: 10, limit: 50, ms: minute }],
    })));
    const admitted = results.filter((r) => r.admitted);
    assert.equal(admitted.length, 5, 'the group budget admits five');
    // The refused requests charged no rate window: a caller admitted by neither still has both requests.
    const callersAdmitted = new Set(results.flatMap((r, i) => (r.admitted ? [i % 10] : [])));
    const idle = [...Array(10).keys()].find((c) => !callersAdmitted.has(c))!;
    for (let n = 0; n < 2; n++) assert.ok((await admit(instances[n]!, { now: t0, windows: [{ key: `caller-${idle}`, amount: 1, limit: 2, ms: minute }] })).admitted);
  });

  it('never lets more through than the limit, across instances admitting at once', async () => {
    const instances = await Promise.all([instance(), instance(), instance()]);
    const results = await Promise.all(Array.from({ length: 45 }, (_, i) => admit(instances[i % 3]!, at(k, t0, rate(10)))));
    assert.equal(results.filter((r) => r.admitted).length, 10);
    const slots = await Promise.all(Array.from({ length: 30 }, (_, i) => admit(instances[i % 3]!, at('c', t0, slot(`s${i}`, 4)))));
    assert.equal(slots.filter((r) => r.admitted).length, 4);
  });

  it('frees the slots of a holder that stops renewing after their lease; renewed leases stay held', async () => {
    const [holder, other] = [await instance(), await instance()];
    assert.equal((await admit(holder, at(k, t0, slot('held', 1, 10_000)))).admitted, true);
    assert.equal((await admit(other, at(k, t0 + 9_999, slot('x', 1, 10_000)))).admitted, false, 'within the lease');
    await holder.renewLeases(t0 + 5_000); // still running: the lease now ends at t0 + 15 s (the store's own lease length)
    assert.equal((await admit(other, at(k, t0 + 10_001, slot('y', 1, 10_000)))).admitted, false, 'renewed');
    // The holder dies (no renewal): after its lease the slot is free for another instance.
    assert.equal((await admit(other, at(k, t0 + 5_000 + contractLeaseMs + 1, slot('z', 1, 10_000)))).admitted, true);
  });
}

/** The lease a shared store's renewLeases grants (the runners open their stores with it). */
export const contractLeaseMs = 10_000;

/** Releases are fire-and-forget on shared stores: the next admission may briefly race them. */
async function eventually(check: () => Promise<boolean>, deadlineMs = 5000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}
