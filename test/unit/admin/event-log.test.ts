import assert from 'node:assert/strict';
import { EventLog } from '../../../gateway/admin/event-log';
import { EventBus } from '../../../gateway/events';

describe('admin/event-log', () => {
  const fill = (events: EventBus, n: number) => {
    for (let i = 1; i <= n; i++) events.emit('approval.resolved', { id: `apr_${i}`, state: 'denied' });
  };
  const ids = (r: ReturnType<EventLog['resume']>) => (r.kind === 'live' ? [] : r.events.map((e) => (e.payload as { id: string }).id));

  it('resumes exactly after the last id seen, and live without one', () => {
    const events = new EventBus();
    const log = new EventLog(events, 5);
    fill(events, 4);
    assert.deepEqual(log.resume(undefined), { kind: 'live' });
    const r = log.resume(`${log.bootId}-2`);
    assert.equal(r.kind, 'resume');
    assert.deepEqual(ids(r), ['apr_3', 'apr_4']);
    assert.deepEqual(ids(log.resume(`${log.bootId}-4`)), []);
    log.close();
  });

  it('keeps the last `capacity` events and reports a gap for older ids, other boots and garbage', () => {
    const events = new EventBus();
    const log = new EventLog(events, 5);
    fill(events, 12); // seq 8..12 kept
    assert.deepEqual(ids(log.resume(`${log.bootId}-7`)), ['apr_8', 'apr_9', 'apr_10', 'apr_11', 'apr_12']);
    assert.equal(log.resume(`${log.bootId}-7`).kind, 'resume');
    const evicted = log.resume(`${log.bootId}-3`);
    assert.equal(evicted.kind === 'gap' && evicted.reason, 'evicted');
    assert.deepEqual(ids(evicted), ['apr_8', 'apr_9', 'apr_10', 'apr_11', 'apr_12']);
    const restarted = log.resume('0000beef-11');
    assert.equal(restarted.kind === 'gap' && restarted.reason, 'restarted');
    assert.equal(log.resume('nonsense').kind === 'gap' && (log.resume('nonsense') as { reason: string }).reason, 'malformed');
    log.close();
  });

  it('serializes a payload once for every client and stops listening when closed', () => {
    const events = new EventBus();
    const log = new EventLog(events, 3);
    const seen: string[] = [];
    log.subscribe((e) => seen.push(log.dataOf(e)));
    log.subscribe((e) => assert.equal(log.dataOf(e), seen.at(-1)));
    fill(events, 1);
    assert.deepEqual(seen, ['{"id":"apr_1","state":"denied"}']);
    log.close();
    fill(events, 1);
    assert.equal(seen.length, 1);
  });
});
