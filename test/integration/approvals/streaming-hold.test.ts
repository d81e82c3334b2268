import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createApprovalService } from '../../../gateway/approvals/approval-service';
import type { ApprovalService } from '../../../gateway/runtime';
import { asGatehouseError, errorBody } from '../../../gateway/errors';
import { EventBus } from '../../../gateway/events';
import { endSseWithError, isHeldStream } from '../../../gateway/sse/sse-error';
import { silentLogger } from '../../../gateway/log';
import { approver, buildExchange, requireApproval, awaitApprovalOf } from '../../builders/approval-exchange';
import { RecordingAudit } from '../../builders/recording-audit';
import { nextEvent } from '../../builders/wait-for';

/**
 * The streaming hold over real HTTP with the real OpenAI SDK: the approval service answers
 * 200 with SSE headers at once and keeps the stream alive with comments; on denial the error
 * path ends it with an SSE error event the SDK raises as an APIError. The tiny server stands in
 * for the pipeline (respondError, forwarder); approvals-e2e runs the real one.
 */
describe('approvals: held streaming requests over HTTP', () => {
  let server: http.Server;
  let base: string;
  let events: EventBus;
  let service: ApprovalService;

  beforeEach(async () => {
    events = new EventBus();
    service = createApprovalService({ keepAliveSeconds: 0.05 }, { log: silentLogger, events, audit: new RecordingAudit() });
    server = http.createServer((req, res) => {
      req.resume();
      const x = buildExchange({ req, res, request: { stream: true, path: '/v1/chat/completions', endpoint: 'chat', model: 'gpt-4o' }, decision: requireApproval() });
      res.on('close', () => {
        if (!res.writableFinished) x.abort();
      });
      awaitApprovalOf(service, x).then(
        () => {
          if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream' });
          const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'approved answer' }, finish_reason: null }] };
          res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
        },
        (e) => {
          const err = asGatehouseError(e);
          // As the pipeline's respondError does: a held stream gets an SSE error event.
          if (isHeldStream(res)) return endSseWithError(res, err, x.id, 'chat');
          if (res.headersSent) return void res.destroy();
          res.writeHead(err.status, { 'content-type': 'application/json' }).end(errorBody(err, x.id));
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await service.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const sdk = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });

  it('answers 200 with SSE headers at once and keeps the stream alive with comments until approved', async () => {
    const requested = nextEvent(events, 'approval.requested');
    const chunks: string[] = [];
    const req = http.request(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    const response = new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    req.end('{"model":"gpt-4o","stream":true,"messages":[]}');
    const res = await response;
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const { id } = await requested;
    assert.equal(res.headers['x-gatehouse-approval-id'], id);
    res.setEncoding('utf8');
    // Three keep-alive comments (the first is sent with the headers), then approve.
    await new Promise<void>((resolve) =>
      res.on('data', (c: string) => {
        chunks.push(c);
        if (chunks.join('').split(': waiting for approval').length - 1 >= 3) resolve();
      }),
    );
    await service.decide(id, approver(), 'approve');
    await new Promise((r) => res.on('end', r));
    const body = chunks.join('');
    assert.match(body, /^: waiting for approval\n\n: waiting for approval\n\n: waiting for approval\n\n/);
    assert.match(body, /approved answer/);
    assert.match(body, /data: \[DONE\]\n\n$/);
  });

  it('the OpenAI SDK streams the answer once approved', async () => {
    const requested = nextEvent(events, 'approval.requested');
    const stream = sdk().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const { id } = await requested;
    await service.decide(id, approver(), 'approve');
    let text = '';
    for await (const chunk of await stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'approved answer');
  });

  it('delivers a later denial as an SSE error event the SDK raises with code approval_denied', async () => {
    const requested = nextEvent(events, 'approval.requested');
    const stream = sdk().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const { id } = await requested;
    const opened = await stream; // headers already came: 200
    await service.decide(id, approver(), 'deny', 'no fine-tunes on Friday');
    await assert.rejects(
      (async () => {
        for await (const _ of opened) assert.fail('no chunk expected');
      })(),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.APIError, String(err));
        assert.equal(err.code, 'approval_denied');
        assert.equal(err.type, 'permission_error');
        assert.match(err.message, /no fine-tunes on Friday/);
        return true;
      },
    );
  });

  it('delivers a timeout as an SSE error event with code approval_timeout', async () => {
    await service.close();
    service = createApprovalService({ maxWaitSeconds: 0.1 }, { log: silentLogger, events, audit: new RecordingAudit() });
    const opened = await sdk().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    await assert.rejects(
      (async () => {
        for await (const _ of opened) assert.fail('no chunk expected');
      })(),
      (err: unknown) => err instanceof OpenAI.APIError && err.code === 'approval_timeout',
    );
  });

  it('withdraws a held stream when the client goes away', async () => {
    const requested = nextEvent(events, 'approval.requested');
    const controller = new AbortController();
    const resolved = nextEvent(events, 'approval.resolved');
    const opened = sdk().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [] }, { signal: controller.signal });
    const { id } = await requested;
    await opened;
    controller.abort();
    assert.deepEqual(await resolved, { id, state: 'withdrawn' });
    assert.equal(service.pendingCount, 0);
  });

  it('holds streams without headers when streamKeepAlive is off, denying with a plain 403', async () => {
    await service.close();
    service = createApprovalService({ streamKeepAlive: false }, { log: silentLogger, events, audit: new RecordingAudit() });
    const requested = nextEvent(events, 'approval.requested');
    const stream = sdk().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [] });
    stream.catch(() => {});
    const { id } = await requested;
    await service.decide(id, approver(), 'deny', 'nope');
    await assert.rejects(stream, (err: unknown) => err instanceof OpenAI.PermissionDeniedError && err.status === 403 && err.code === 'approval_denied');
  });
});
