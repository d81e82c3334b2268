import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { releaseOnClose } from '../../../gateway/pipeline/admit-limits';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { createPipelineHandler } from '../../../gateway/pipeline/run-pipeline';
import type { AuditService, DataPathMetrics, Runtime } from '../../../gateway/runtime';
import { noBudgets, noUsage } from '../../../gateway/usage/usage-service';

const rt = { audit: { outcome: () => undefined } as unknown as AuditService, usage: noUsage, budgets: noBudgets } as unknown as Runtime;

/** A listener as the response keeps it: a once() wrapper carries the listener it wraps. */
const onceWrappers = (x: Exchange) => x.res.rawListeners('close').filter((l) => 'listener' in l).length;

describe('pipeline/run-pipeline: what a response keeps while its request runs', () => {
  let server: http.Server | undefined;
  afterEach(() => server?.close());

  it('the pipeline\'s close listener and a concurrency slot\'s release are plain listeners (no once() wrapper kept for a stream\'s life), each called once', async () => {
    const ended: number[] = [];
    const metrics = { requestEnded: (_e: string, status: number) => ended.push(status) } as unknown as DataPathMetrics;
    let released = 0;
    let wrappers = -1;
    const stage = (x: Exchange) => {
      releaseOnClose(x, () => released++);
      wrappers = onceWrappers(x);
      x.outcome.status = 200;
      x.res.end('ok');
    };
    server = http.createServer(createPipelineHandler(rt, [stage], metrics));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const res = await new Promise<http.IncomingMessage>((resolve) => http.get(`http://127.0.0.1:${port}/`, resolve));
    res.resume();
    await once(res, 'end');
    // Closing the server closes its connections: the response has closed by the time it has.
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    // Before: res.once('close') in both places, each a wrapper (a state object and a bound function with a property, ≈ 200 B).
    assert.equal(wrappers, 0, 'no once() wrapper on the response');
    assert.deepEqual(ended, [200], 'finish ran once');
    assert.equal(released, 1, 'the slot released once');
  });
});
