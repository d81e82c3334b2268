import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpExchange } from '../../../gateway/pipeline/http-exchange';
import { heapAfterGc } from '../../helpers/heap';

/** A response as HttpExchange sees it: its state flags and its events (run-pipeline.ts calls `closed()` on 'close'). */
function response(state: { writableFinished?: boolean; destroyed?: boolean } = {}) {
  return Object.assign(new EventEmitter(), { writableFinished: false, destroyed: false, ...state }) as unknown as ServerResponse & { writableFinished: boolean };
}
const request = (socketDestroyed = false) => ({ socket: { destroyed: socketDestroyed } }) as unknown as IncomingMessage;

describe('pipeline: HttpExchange.clientGone', () => {
  it('aborts once when the response closes before it finished, calling each listener once', () => {
    const res = response();
    const x = new HttpExchange(request(), res);
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    x.clientGone.addEventListener('abort', () => calls.push('a'));
    x.clientGone.addEventListener('abort', removed);
    x.clientGone.addEventListener('abort', () => calls.push('b'), { once: true });
    x.clientGone.removeEventListener('abort', removed);
    assert.equal(x.clientGone.aborted, false);
    x.closed();
    x.closed();
    assert.equal(x.clientGone.aborted, true);
    assert.deepEqual(calls, ['a', 'b']);
    x.clientGone.addEventListener('abort', () => calls.push('late'));
    assert.deepEqual(calls, ['a', 'b'], 'a listener added after the client left is not called (as on an AbortSignal)');
  });

  it('does not abort when the response finished; is aborted at once when the client already left', () => {
    const finished = new HttpExchange(request(), response());
    const signal = finished.clientGone;
    (finished.res as { writableFinished: boolean }).writableFinished = true;
    finished.closed();
    assert.equal(signal.aborted, false);
    assert.equal(new HttpExchange(request(true), response()).clientGone.aborted, true);
    assert.equal(new HttpExchange(request(), response({ destroyed: true })).clientGone.aborted, true);
    assert.equal(new HttpExchange(request(true), response({ writableFinished: true })).clientGone.aborted, false);
  });

  it('calls the listeners left in the order added when the first one was removed', () => {
    const x = new HttpExchange(request(), response());
    const calls: string[] = [];
    const first = () => calls.push('first');
    x.clientGone.addEventListener('abort', first);
    x.clientGone.addEventListener('abort', () => calls.push('a'));
    x.clientGone.addEventListener('abort', () => calls.push('b'));
    x.clientGone.removeEventListener('abort', first);
    x.clientGone.removeEventListener('abort', first);
    x.closed();
    assert.deepEqual(calls, ['a', 'b']);
  });

  it('costs a few bytes per waiting request (an AbortController, its signal and a listener: ≈ 1 KB)', () => {
    const n = 10_000;
    const exchanges = Array.from({ length: n }, () => new HttpExchange(request(), response()));
    const listener = () => {};
    const before = heapAfterGc();
    for (const x of exchanges) x.clientGone.addEventListener('abort', listener);
    const perRequest = (heapAfterGc() - before) / n;
    // A stream holds its signal and one listener for its life: the listener in a field, not a list of one (95 B before, 47 after).
    assert.ok(perRequest < 70, `a client-gone signal with a listener costs ${perRequest.toFixed(0)} B of heap (bound 70; 95 with a list of one)`);
    assert.equal(exchanges.filter((x) => x.clientGone.aborted).length, 0);
  });

  it('keeps no mask report list of its own while nothing was masked (a stream keeps its exchange for its life)', () => {
    // One frozen empty list for every exchange (a list each: ≈ 16–32 B per exchange, measured
    // over 10,000 exchanges of ≈ 400 B, too close to the noise to bound here); the masking stages
    // replace it when they have entries.
    const a = new HttpExchange(request(), response());
    const b = new HttpExchange(request(), response());
    assert.equal(a.maskReport, b.maskReport);
    assert.equal(a.maskReport.length, 0);
    assert.throws(() => a.maskReport.push({ rule: 'r', detector: 'd', path: '$', count: 1 } as never), TypeError);
  });
});
