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
  const rate = (limit: number, amount = 1, ms = minute) => ({ window: { amount, limit, ms } });
  const slot = (id: string, limit: number, leaseMs = minute) => ({ slot: { id, limit, leaseMs } });

  it('charges a window up to its limit, then refuses until it ends, with the time left', async () => {
    const s = await instance();
    for (let i = 0; i < 3; i++) assert.equal((await admit(s, { key: k, now: t0 + i * 1000, ...rate(3) })).admitted, true);
    assert.deepEqual(await admit(s, { key: k, now: t0 + 15_000, ...rate(3) }), { admitted: false, refusedBy: 'rate', retryAfterMs: 45_000 });
    assert.equal((await admit(s, { key: 'other', now: t0 + 15_000, ...rate(3) })).admitted, true, 'windows are per key');
    assert.equal((await admit(s, { key: k, now: t0 + minute, ...rate(3) })).admitted, true, 'a new window');
  });

  it('holds at most the limit of slots; a release frees one, twice is harmless', async () => {
    const s = await instance();
    assert.equal((await admit(s, { key: k, now: t0, ...slot('a', 2) })).admitted, true);
    assert.equal((await admit(s, { key: k, now: t0, ...slot('b', 2) })).admitted, true);
    assert.deepEqual(await admit(s, { key: k, now: t0, ...slot('c', 2) }), { admitted: false, refusedBy: 'concurrency' });
    s.release(k, 'a');
    s.release(k, 'a');
    await eventually(async () => (await admit(s, { key: k, now: t0, ...slot('d', 2) })).admitted);
    assert.deepEqual(await admit(s, { key: k, now: t0, ...slot('e', 2) }), { admitted: false, refusedBy: 'concurrency' }, 'a double release freed only one');
  });

  it('charges nothing for a request refused by its slot, and takes no slot for one refused by its window', async () => {
    const s = await instance();
    const both = (id: string) => ({ key: k, now: t0, ...rate(2), ...slot(id, 1) });
    assert.equal((await admit(s, both('a'))).admitted, true);
    assert.equal((await admit(s, both('b'))).admitted, false);
    s.release(k, 'a');
    await eventually(async () => (await admit(s, both('c'))).admitted); // the window's second request: b was not charged
    s.release(k, 'c');
    await eventually(async () => {
      const r = await admit(s, both('d'));
      return !r.admitted && r.refusedBy === 'rate';
    });
    assert.equal((await admit(s, { key: k, now: t0, ...slot('e', 1) })).admitted, true, 'the window refusal took no slot');
  });

  it('reserves n and settles the real amount later, within the same window only', async () => {
    const s = await instance();
    const r = await admit(s, { key: k, now: t0, ...rate(10, 6) });
    assert.ok(r.admitted && r.charge);
    assert.equal((await admit(s, { key: k, now: t0, ...rate(10, 5) })).admitted, false, '6 + 5 > 10');
    await s.settle(r.charge, -4); // used 2 of the 6 reserved
    assert.equal((await admit(s, { key: k, now: t0, ...rate(10, 8) })).admitted, true, '2 + 8 = 10');
    assert.equal((await admit(s, { key: k, now: t0, ...rate(10, 1) })).admitted, false);
    const next = await admit(s, { key: k, now: t0 + minute, ...rate(10, 3) });
    await s.settle(r.charge, -6); // the reservation's window has ended: nothing changes
    assert.ok(next.admitted);
    assert.equal((await admit(s, { key: k, now: t0 + minute, ...rate(10, 8) })).admitted, false, '3 + 8 > 10 in the new window');
  });

  it('reports the window\'s count after each charge and settlement (budget alerts read it); nothing for an ended window', async () => {
    const s = await instance();
    const first = await admit(s, { key: k, now: t0, ...rate(100, 30) });
    assert.ok(first.admitted && first.charge);
    assert.equal(first.used, 30);
    const second = await admit(s, { key: k, now: t0 + 1000, ...rate(100, 45) });
    assert.ok(second.admitted);
    assert.equal(second.used, 75);
    assert.equal(await s.settle(first.charge, 40), 115, 'an overshoot past the limit counts');
    assert.equal(await s.settle(first.charge, -200), 0, 'never below 0');
    const slotOnly = await admit(s, { key: 'slots', now: t0, ...slot('a', 1) });
    assert.deepEqual(slotOnly, { admitted: true }, 'no window asked, no count');
    const next = await admit(s, { key: k, now: t0 + minute, ...rate(100, 5) });
    assert.ok(next.admitted);
    assert.equal(next.used, 5, 'a new window starts from the charge');
    assert.equal(await s.settle(first.charge, 10), undefined, 'the charge\'s window has ended');
  });

  it('refuses more than a whole window at once without touching it', async () => {
    const s = await instance();
    assert.equal((await admit(s, { key: k, now: t0, ...rate(5, 6) })).admitted, false);
    assert.equal((await admit(s, { key: k, now: t0, ...rate(5, 5) })).admitted, true);
  });

  if (!harness.shared) return;

  it('never lets more through than the limit, across instances admitting at once', async () => {
    const instances = await Promise.all([instance(), instance(), instance()]);
    const results = await Promise.all(Array.from({ length: 45 }, (_, i) => admit(instances[i % 3]!, { key: k, now: t0, ...rate(10) })));
    assert.equal(results.filter((r) => r.admitted).length, 10);
    const slots = await Promise.all(Array.from({ length: 30 }, (_, i) => admit(instances[i % 3]!, { key: 'c', now: t0, ...slot(`s${i}`, 4) })));
    assert.equal(slots.filter((r) => r.admitted).length, 4);
  });

  it('frees the slots of a holder that stops renewing after their lease; renewed leases stay held', async () => {
    const [holder, other] = [await instance(), await instance()];
    assert.equal((await admit(holder, { key: k, now: t0, ...slot('held', 1, 10_000) })).admitted, true);
    assert.equal((await admit(other, { key: k, now: t0 + 9_999, ...slot('x', 1, 10_000) })).admitted, false, 'within the lease');
    await holder.renewLeases(t0 + 5_000); // still running: the lease now ends at t0 + 15 s (the store's own lease length)
    assert.equal((await admit(other, { key: k, now: t0 + 10_001, ...slot('y', 1, 10_000) })).admitted, false, 'renewed');
    // The holder dies (no renewal): after its lease the slot is free for another instance.
    assert.equal((await admit(other, { key: k, now: t0 + 5_000 + contractLeaseMs + 1, ...slot('z', 1, 10_000) })).admitted, true);
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
