import assert from 'node:assert/strict';
import type { Decision } from '../../../gateway/core/types';
import { GatehouseError } from '../../../gateway/errors';
import { AdmissionControl } from '../../../gateway/policy/admission-control';
import { principal } from '../../builders/policy';
import { MemoryCounterStore } from '../../../gateway/state/memory-counter-store';
import { heapAfterGc } from '../../helpers/heap';

const decision = (limits: Decision['limits'], rule = 'r'): Decision => ({ action: 'allow', rule, reasons: [], limits, masks: [], explain: [], policyVersion: 'v' });

/** Admission with the in-memory store, whose answers are synchronous. */
function memoryAdmission(options: { now: () => number; maxTrackedKeys?: number }) {
  const store = new MemoryCounterStore({ maxTrackedKeys: options.maxTrackedKeys });
  const ac = new AdmissionControl({ store, now: options.now });
  return {
    admit: (p: Parameters<AdmissionControl['admit']>[0], d: Decision) => {
      const release = ac.admit(p, d);
      assert.ok(!(release instanceof Promise), 'the in-memory store answers synchronously');
      return release;
    },
    get size() {
      return store.size;
    },
  };
}

function refused(fn: () => unknown): GatehouseError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatehouseError);
    return err;
  }
  assert.fail('expected a 429');
}

describe('policy/admission-control', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('allows N requests per window, then 429 with Retry-After until the window ends', () => {
    const ac = memoryAdmission({ now: clock });
    const d = decision({ rate: { requests: 2, windowSeconds: 60 } });
    const alice = principal();
    ac.admit(alice, d);
    now += 10_000;
    ac.admit(alice, d);
    now += 5_000;
    const err = refused(() => ac.admit(alice, d));
    assert.equal(err.status, 429);
    assert.equal(err.code, 'ERR_POLICY_RATE_LIMITED');
    assert.equal(err.headers['retry-after'], '45');
    assert.match(err.message, /rule r allows 2 requests per 60s/);
    ac.admit(principal({ subject: 'bob' }), d); // per principal
    ac.admit(alice, decision({ rate: { requests: 2, windowSeconds: 60 } }, 'other-rule')); // per rule
    now += 45_000;
    ac.admit(alice, d); // new window
  });

  it('limits concurrency per principal and frees a slot on release (idempotently)', () => {
    const ac = memoryAdmission({ now: clock });
    const d = decision({ concurrent: 2 });
    const a = ac.admit(principal(), d);
    const b = ac.admit(principal(), d);
    const err = refused(() => ac.admit(principal(), d));
    assert.deepEqual([err.status, err.code], [429, 'ERR_POLICY_CONCURRENCY']);
    a();
    a();
    const c = ac.admit(principal(), d);
    assert.throws(() => ac.admit(principal(), d), /too many concurrent requests/);
    b();
    c();
    assert.equal(ac.size.inFlight, 0, 'idle principals leave no entry');
  });

  it('does not charge the rate window for a request refused by concurrency', () => {
    const ac = memoryAdmission({ now: clock });
    const d = decision({ concurrent: 1, rate: { requests: 2, windowSeconds: 60 } });
    const release = ac.admit(principal(), d);
    refused(() => ac.admit(principal(), d));
    release();
    ac.admit(principal(), d)();
    refused(() => ac.admit(principal(), d));
  });

  it('keeps memory bounded: windows are evicted past the cap', () => {
    const ac = memoryAdmission({ now: clock, maxTrackedKeys: 100 });
    const d = decision({ rate: { requests: 1, windowSeconds: 3600 } });
    for (let i = 0; i < 1000; i++) ac.admit(principal({ subject: `caller-${i}` }), d);
    assert.ok(ac.size.windows <= 100, `tracked ${ac.size.windows} windows`);
    refused(() => ac.admit(principal({ subject: 'caller-999' }), d)); // the newest are kept
  });

  it('costs nothing without limits', () => {
    const ac = memoryAdmission({ now: clock });
    for (let i = 0; i < 10; i++) ac.admit(principal(), decision({}))();
    assert.deepEqual(ac.size, { windows: 0, inFlight: 0 });
  });
  // A stream holds its slot's release for its life, thousands of streams at once.
  it('a release keeps only what it needs to give the slot back', () => {
    const ac = new AdmissionControl({ store: new MemoryCounterStore(), now: clock });
    const n = 10_000;
    const d = decision({ concurrent: n + 1, rate: { requests: n + 1, windowSeconds: 60 } });
    const p = principal();
    (ac.admit(p, d) as () => void)();
    const kept: (() => void)[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) kept[i] = ac.admit(p, d) as () => void;
    // The store's slot entry (the id and its place in the set) and the release. Before: the
    // release kept the whole admission's context (the decision, the windows asked, the slot) and
    // a second closure: ≈ 549 B per admission; after ≈ 257.
    const perAdmission = (heapAfterGc() - before) / n;
    assert.ok(perAdmission < 350, `an admission keeps ${perAdmission.toFixed(0)} B (bound 350)`);
    kept[0]();
    kept[0]();
    assert.ok(!(ac.admit(p, decision({ concurrent: n })) instanceof Promise), 'one slot given back, once');
    assert.throws(() => ac.admit(p, decision({ concurrent: n - 1 })), GatehouseError);
  });
});
