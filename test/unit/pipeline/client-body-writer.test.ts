import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { ClientBodyWriter } from '../../../gateway/pipeline/client-body-writer';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { oldSpaceAfterScavenges } from '../../helpers/heap';

/** A response whose connection accepts each write on a later turn, as a socket does; `written` is what it was given. */
function fakeResponse(written: Buffer[]) {
  return {
    destroyed: false,
    write(chunk: Buffer, done: (err?: Error | null) => void) {
      written.push(chunk);
      setImmediate(done);
      return true;
    },
    once() {},
    end() {},
  } as unknown as ServerResponse;
}

const exchange = () => ({ startNs: process.hrtime.bigint(), outcome: { responseBytes: 0 } }) as unknown as Exchange;
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('pipeline/client-body-writer', () => {
  it('writes the chunks of one turn in one write, in order, and counts what the connection accepted', async () => {
    const written: Buffer[] = [];
    const x = exchange();
    const w = new ClientBodyWriter(x, fakeResponse(written), false, () => {});
    w.write(Buffer.from('a'));
    w.write(Buffer.from('bc'));
    await turn();
    w.write(Buffer.from('def'));
    w.flush();
    w.write(Buffer.from('g'));
    await turn();
    await turn();
    assert.deepEqual(written.map(String), ['abc', 'def', 'g']);
    assert.equal(x.outcome.responseBytes, 7);
    assert.equal(x.outcome.deliveredBytes, 7);
  });

  it('leaves nothing in old space per event (no list made per event: on a slow stream it would live until the next one and be promoted)', async () => {
    const n = 2000;
    // The counters the writer sets on its first write exist already: what is measured is the writer's own.
    const x = () => ({ startNs: 0n, outcome: { responseBytes: 0, deliveredBytes: 0, firstByteMs: 0.5 } }) as unknown as Exchange;
    const writers = Array.from({ length: n }, () => new ClientBodyWriter(x(), fakeResponse([]), false, () => {}));
    const event = Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"Hi "}}]}\n\n');
    const events = async () => {
      for (const w of writers) w.write(event);
      await turn();
      await turn();
    };
    await events();
    const before = oldSpaceAfterScavenges();
    for (let i = 0; i < 4; i++) {
      await events();
      oldSpaceAfterScavenges();
    }
    // The writer before this change: ≈ 185 B per writer per event (a new pending list and its FIFO of sizes' growth).
    const perEvent = (oldSpaceAfterScavenges() - before) / n / 4;
    assert.ok(perEvent < 48, `a writer leaves ${perEvent.toFixed(1)} B in old space per event (bound 48)`);
  });
});
