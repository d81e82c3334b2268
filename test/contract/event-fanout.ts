import assert from 'node:assert/strict';
import type { EventFanout, FanoutEvent } from '../../gateway/state/event-fanout';
import { waitFor } from '../builders/wait-for';

/** Two instances' fan-outs joined as a fleet (the same object for a one-process fan-out). */
export interface EventFanoutPair {
  a: EventFanout;
  b: EventFanout;
  close(): Promise<void>;
}

const reloaded = (version: string): FanoutEvent => ({ name: 'policy.reloaded', payload: { version, files: [], instance: { id: 'i-test', name: 'gw-test' } } });
const versions = (events: FanoutEvent[]) => events.map((e) => (e.payload as { version: string }).version);

/** The behaviour every EventFanout implementation must have. */
export function describeEventFanoutContract(name: string, open: () => Promise<EventFanoutPair>): void {
  describe(`EventFanout contract: ${name}`, () => {
    let pair: EventFanoutPair;
    beforeEach(async () => {
      pair = await open();
    });
    afterEach(() => pair.close());

    it('delivers to the publishing instance before publish returns, and to the others, in order', async () => {
      const onA: FanoutEvent[] = [];
      const onB: FanoutEvent[] = [];
      pair.a.subscribe((e) => onA.push(e));
      pair.b.subscribe((e) => onB.push(e));
      const published = ['v1', 'v2', 'v3'].map((v) => {
        const p = pair.a.publish(reloaded(v));
        assert.equal(versions(onA).at(-1), v, 'this instance has it at once');
        return p;
      });
      await Promise.all(published);
      await waitFor(() => onB.length >= 3, 'the other instance has them');
      assert.deepEqual(versions(onA), ['v1', 'v2', 'v3']);
      assert.deepEqual(versions(onB), ['v1', 'v2', 'v3']);
      assert.deepEqual(onB[0], reloaded('v1'));
    });

    it('gives each subscription each event once, and nothing after it unsubscribes', async () => {
      const first: FanoutEvent[] = [];
      const second: FanoutEvent[] = [];
      const off = pair.b.subscribe((e) => first.push(e));
      pair.b.subscribe((e) => second.push(e));
      await pair.b.publish(reloaded('v1'));
      off();
      await pair.b.publish(reloaded('v2'));
      assert.deepEqual(versions(first), ['v1']);
      assert.deepEqual(versions(second), ['v1', 'v2']);
    });
  });
}
