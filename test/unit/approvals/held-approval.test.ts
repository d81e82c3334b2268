import assert from 'node:assert/strict';
import { HeldRequests } from '../../../gateway/approvals/held-approval';
import { pendingRecord } from '../../builders/approval-record';

describe('approvals/held-approval (the held-request transport)', () => {
  function setup() {
    const calls: string[] = [];
    let expired: (id: string) => void = () => {};
    const held = new HeldRequests(60_000, { expire: (id) => (calls.push(`expire ${id}`), expired(id)), gone: (id) => calls.push(`gone ${id}`) });
    return { held, calls, onExpire: (f: (id: string) => void) => (expired = f) };
  }

  it('holds until taken, then resolves with the release given', async () => {
    const { held } = setup();
    const wait = held.hold('apr_1', 60_000, new AbortController().signal);
    assert.equal(held.size, 1);
    const end = held.take('apr_1');
    assert.ok(end);
    assert.equal(held.size, 0);
    assert.equal(held.take('apr_1'), undefined, 'taken once');
    const record = pendingRecord({ id: 'apr_1', state: 'approved' });
    end({ record });
    assert.deepEqual(await wait, { record });
    held.close();
  });

  it('calls expire with the id when the wait runs out, and gone when the client leaves; nothing once taken', async () => {
    const { held, calls, onExpire } = setup();
    const expired = new Promise<string>((resolve) => onExpire(resolve));
    held.hold('apr_t', 1, new AbortController().signal);
    assert.equal(await expired, 'apr_t');

    const client = new AbortController();
    held.hold('apr_g', 60_000, client.signal);
    client.abort();
    assert.deepEqual(calls, ['expire apr_t', 'gone apr_g']);

    const late = new AbortController();
    held.hold('apr_x', 60_000, late.signal);
    held.take('apr_x');
    late.abort();
    assert.deepEqual(calls, ['expire apr_t', 'gone apr_g'], 'a taken request hears nothing more');
    // The service takes what it settles; here the test does, which also clears apr_g's timer.
    for (const id of ['apr_t', 'apr_g']) assert.ok(held.take(id));
    assert.equal(held.size, 0);
    held.close();
  });

  it('answers nobody it does not hold: a decision for another instance\'s caller is ignored here', () => {
    const { held } = setup();
    assert.equal(held.take('apr_elsewhere'), undefined);
    held.close();
  });
});
