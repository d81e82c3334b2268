import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardUpstream } from '../../../gateway/pipeline/forward-upstream';
import { HttpExchange } from '../../../gateway/pipeline/http-exchange';
import type { AuditService, DataPathMetrics, Runtime } from '../../../gateway/runtime';
import { compileUpstreams, type UpstreamTable } from '../../../gateway/upstream/upstream-table';
import { noBudgets, noUsage } from '../../../gateway/usage/usage-service';

const rt = { config: {}, audit: { outcome: () => Promise.resolve() } as unknown as AuditService, usage: noUsage, budgets: noBudgets } as unknown as Runtime;
const metrics = { upstreamFailed() {} } as unknown as DataPathMetrics;

describe('pipeline/forward-upstream: the forward stage', () => {
  const servers: http.Server[] = [];
  let table: UpstreamTable | undefined;
  afterEach(() => {
    table?.close();
    for (const s of servers.splice(0)) s.close();
  });

  async function listen(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('settles once the answer\'s relay has started, and tells x.answerEnded when the answer ends (a stream keeps no promise of the run)', async () => {
    // The upstream: a stream's headers and first event, then its end when the test says so.
    let endStream: (() => void) | undefined;
    const upstreamUrl = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n');
      endStream = () => res.end('data: [DONE]\n\n');
    });
    table = compileUpstreams([{ name: 'up', url: upstreamUrl }], '.', () => upstreamUrl);
    const stage = forwardUpstream(rt, { metrics, responseStages: [] });
    const events: string[] = [];
    let answerEnded!: () => void;
    const ended = new Promise<void>((resolve) => { answerEnded = resolve; });
    const settled = new Promise<void>((resolveTest, rejectTest) => {
      void listen((req, res) => {
        const x = new HttpExchange(req, res);
        x.target = { upstream: table!.upstreams[0]!, path: '/v1/chat/completions' };
        x.body = Buffer.from('{}');
        x.answerEnded = () => {
          events.push('answer ended');
          answerEnded();
        };
        const listeners = res.listenerCount('close');
        const pending = stage(x);
        assert.ok(pending, 'the stage waits for the upstream');
        // The client's leaving reaches it through x.clientGone: no close listener (and once() wrapper) of its own on the response.
        assert.equal(res.listenerCount('close'), listeners, 'the stage adds no close listener to the response');
        pending.then(() => {
          events.push('stage settled');
          resolveTest();
        }, rejectTest);
      }).then((gatewayUrl) => {
        http.request(`${gatewayUrl}/v1/chat/completions`, { method: 'POST' }, (res) => res.resume()).end('{}');
      });
    });
    // Before: the stage settled only when the answer ended, so this waited for an end that never came.
    await settled;
    assert.deepEqual(events, ['stage settled'], 'the stage settles while the answer is still open');
    // The upstream had the request before it answered: its end is there to call.
    endStream!();
    await ended;
    assert.deepEqual(events, ['stage settled', 'answer ended'], 'the answer\'s end is told once');
  });
});
