import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AuditServiceImpl } from '../../../gateway/audit/audit-service';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { afterReads } from '../../../gateway/pipeline/after-reads';
import { startGateway, type TestGateway } from '../../helpers/gateway';

const sseEvents = 3;
const jsonLength = 200_000;
const jsonSent = 80_000;

/**
 * An upstream that sends part of its answer and then stalls (or, with `reset` in the model name,
 * breaks the connection): the client or the upstream goes away mid-response, and the outcome record
 * must say what the client got.
 */
function stallingUpstream(): Promise<{ url: string; server: Server; open: Set<ServerResponse> }> {
  const open = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean; model: string };
      open.add(res);
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < sseEvents; i++) res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: `part ${i} ` } }] })}\n\n`);
        // 'whole': the stream's last event and its end leave together, as a model's [DONE] does.
        if (body.model.includes('whole')) res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(jsonLength) });
        res.write('{"id":"c1","object":"chat.completion","pad":"' + 'x'.repeat(jsonSent - 40));
      }
      if (body.model.includes('reset')) setImmediate(() => res.socket?.destroy());
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, open })));
}

describe('audit: the outcome record says what the client got', function () {
  this.timeout(30_000);
  let upstream: Awaited<ReturnType<typeof stallingUpstream>>;
  let gateway: TestGateway;
  let token: string;
  const outcomes = new Map<string, AuditRecord>();
  const waiting = new Map<string, (r: AuditRecord) => void>();

  before(async () => {
    upstream = await stallingUpstream();
    gateway = await startGateway({ upstreams: [{ name: 'stall', url: upstream.url }] });
    token = await gateway.token();
    (gateway.runtime.audit as AuditServiceImpl).tail({ kind: 'outcome' }, (r) => {
      outcomes.set(r.requestId!, r);
      waiting.get(r.requestId!)?.(r);
    });
  });
  after(async () => {
    await gateway?.close();
    for (const res of upstream.open) res.destroy();
    upstream.server.closeAllConnections();
    await new Promise((r) => upstream.server.close(r));
  });

  /** Sends a chat request and reads until `enough` says so, then (unless the upstream breaks it) aborts. */
  function readThenAbort(body: object, enough: (received: string) => boolean): Promise<{ requestId: string; received: number; aborted: boolean }> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(`${gateway.dataUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } }, (res) => {
        const requestId = String(res.headers['x-request-id']);
        let text = '';
        let received = 0;
        let done = false;
        res.on('data', (c: Buffer) => {
          received += c.length;
          text += c.toString('latin1');
          if (!done && enough(text)) {
            done = true;
            req.destroy();
            resolve({ requestId, received, aborted: true });
          }
        });
        res.on('error', () => undefined);
        res.on('close', () => {
          if (!done) resolve({ requestId, received, aborted: false });
        });
      });
      req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      req.end(payload);
    });
  }

  /** Resolves with the request's outcome record once it is durable (the audit's live tail). */
  function outcomeOf(requestId: string): Promise<AuditRecord> {
    return new Promise((resolve) => {
      const found = outcomes.get(requestId);
      if (found) return resolve(found);
      waiting.set(requestId, resolve);
    });
  }

  it('SSE: a client that aborts mid-stream is recorded with clientAborted and the bytes delivered', async () => {
    const got = await readThenAbort({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }, (t) => t.includes(`part ${sseEvents - 1}`));
    assert.ok(got.aborted);
    const r = await outcomeOf(got.requestId);
    assert.equal(r.status, 200);
    assert.equal(r.clientAborted, true);
    assert.equal(r.upstreamError, undefined);
    assert.ok(r.deliveredBytes !== undefined, 'no deliveredBytes');
    assert.ok(r.deliveredBytes >= got.received, `delivered ${r.deliveredBytes} < received ${got.received}`);
    assert.ok(r.deliveredBytes <= r.responseBytes!, `delivered ${r.deliveredBytes} > sent ${r.responseBytes}`);
  });

  it('JSON: a client that aborts mid-body is recorded with clientAborted and the bytes delivered', async () => {
    const got = await readThenAbort({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, (t) => t.length >= jsonSent / 2);
    assert.ok(got.aborted);
    const r = await outcomeOf(got.requestId);
    assert.equal(r.status, 200);
    assert.equal(r.clientAborted, true);
    assert.ok(r.deliveredBytes !== undefined, 'no deliveredBytes');
    assert.ok(r.deliveredBytes >= got.received && r.deliveredBytes < jsonLength, `delivered ${r.deliveredBytes}, received ${got.received}`);
    assert.ok(r.deliveredBytes <= r.responseBytes!);
  });

  // The outcome record of a stream is built after its last bytes are written (relay-response.ts);
  // a client that needs nothing more than the last event closes as soon as it has read it. The
  // stream was whole, so its record must not say the client aborted, however soon it closed.
  it('SSE: a client that closes as soon as it has read the last event is recorded as served whole', async () => {
    const got = await readThenAbort({ model: 'gpt-whole', stream: true, messages: [{ role: 'user', content: 'hi' }] }, (t) => t.includes('data: [DONE]\n\n'));
    assert.ok(got.aborted, 'the client closed after the last event');
    const r = await outcomeOf(got.requestId);
    assert.equal(r.status, 200);
    assert.equal(r.clientAborted, undefined);
    assert.equal(r.upstreamError, undefined);
    assert.equal(r.responseBytes, got.received, 'every byte of the stream reached the client');
  });

  // A stream's end waits behind other work queued for after the turn's reads (after-reads.ts),
  // when many streams end at once: its client may read the last event and close before it runs.
  it('SSE: a client that closes at the last event while its stream\'s end still waits in the queue is recorded as served whole', async () => {
    // Other ends ahead in the queue, ≈ 1 ms of work each, one slice per turn, until the client has closed.
    let clientClosed = false;
    const busy = (): void => {
      const until = performance.now() + 1;
      while (performance.now() < until);
      if (!clientClosed) afterReads(busy, undefined);
    };
    for (let i = 0; i < 50; i++) afterReads(busy, undefined);
    const got = await readThenAbort({ model: 'gpt-whole', stream: true, messages: [{ role: 'user', content: 'hi' }] }, (t) => t.includes('data: [DONE]\n\n'));
    clientClosed = true;
    assert.ok(got.aborted, 'the client closed after the last event');
    const r = await outcomeOf(got.requestId);
    assert.equal(r.status, 200);
    assert.equal(r.clientAborted, undefined);
    assert.equal(r.responseBytes, got.received, 'every byte of the stream reached the client');
    assert.ok(r.responseBody !== undefined, 'the answer\'s audit copy is in the record');
  });

  it('an upstream reset mid-stream is recorded with the upstream error and the bytes delivered, not as a client abort', async () => {
    const got = await readThenAbort({ model: 'gpt-reset', stream: true, messages: [{ role: 'user', content: 'hi' }] }, () => false);
    assert.equal(got.aborted, false);
    const r = await outcomeOf(got.requestId);
    assert.equal(r.upstreamError, 'ERR_UPSTREAM_RESET');
    assert.equal(r.clientAborted, undefined);
    assert.ok(r.deliveredBytes !== undefined && r.deliveredBytes >= got.received && r.deliveredBytes <= r.responseBytes!, `delivered ${r.deliveredBytes}, received ${got.received}`);
    assert.equal(typeof (r.details as { upstreamCause?: unknown } | undefined)?.upstreamCause, 'string');
  });
});
