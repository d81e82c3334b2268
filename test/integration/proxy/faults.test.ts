import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import OpenAI from 'openai';
import { FakeUpstream, chatChunk } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { rawExchange, rawPost } from '../../helpers/raw-http';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };

describe('proxy: bad input and faults', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let auth: { authorization: string };

  before(async () => {
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({
      server: { maxBodyBytes: 64 * 1024 },
      upstreams: [
        { name: 'down', url: 'http://127.0.0.1:1', pathPrefix: '/down', stripPrefix: true },
        { name: 'slow', url: upstream.url, pathPrefix: '/slow', stripPrefix: true, timeoutMs: 300 },
        { name: 'fake', url: upstream.url },
      ],
    });
    const token = await gateway.token();
    auth = { authorization: `Bearer ${token}` };
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: token, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
  });
  beforeEach(() => upstream.reset());

  /** After every fault the gateway must still answer a normal request. */
  afterEach(async () => {
    upstream.reset();
    const ok = await client.chat.completions.create(chat);
    assert.equal(ok.choices[0]!.message.content, 'echo: hello');
  });

  function assertOpenAiError(res: { status: number; headers: Record<string, unknown>; body: string }, status: number, code: string) {
    assert.equal(res.status, status);
    const body = JSON.parse(res.body);
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, 'string');
    assert.equal(typeof body.error.type, 'string');
    assert.match(String(res.headers['x-request-id'] ?? /x-request-id: (\S+)/.exec(String(res.headers.raw))?.[1]), /^[0-9a-f-]{36}$/);
  }

  it('refuses malformed JSON with 400 and does not forward it', async () => {
    const res = await rawBody(`${gateway.dataUrl}/v1/chat/completions`, '{"model": "x", messages', 'application/json', auth);
    assertOpenAiError(res, 400, 'ERR_REQUEST_INVALID_JSON');
    assert.equal(upstream.requests.length, 0);
  });

  it('parses a JSON body labelled text/plain instead of waving it through', async () => {
    const res = await rawBody(`${gateway.dataUrl}/v1/chat/completions`, 'not json', 'text/plain', auth);
    assertOpenAiError(res, 400, 'ERR_REQUEST_INVALID_JSON');
  });

  it('refuses an oversized body with 413, declared or chunked', async () => {
    const big = JSON.stringify({ ...chat, padding: 'x'.repeat(70 * 1024) });
    assertOpenAiError(await rawBody(`${gateway.dataUrl}/v1/chat/completions`, big, 'application/json', auth), 413, 'ERR_REQUEST_TOO_LARGE');
    assertOpenAiError(await rawBody(`${gateway.dataUrl}/v1/chat/completions`, big, 'application/json', { ...auth, chunked: true }), 413, 'ERR_REQUEST_TOO_LARGE');
    assert.equal(upstream.requests.length, 0);
  });

  it('refuses obsolete header folding with 400', async () => {
    const res = await rawExchange(gateway.dataUrl, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\nContent-Length: 2\r\n\r\n{}');
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error.code, 'ERR_REQUEST_MALFORMED');
    assert.match(res.head, /x-request-id: [0-9a-f-]{36}/);
    assert.equal(upstream.requests.length, 0);
  });

  it('refuses Content-Length together with Transfer-Encoding (smuggling) with 400', async () => {
    const smuggled = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n';
    const res = await rawExchange(gateway.dataUrl, smuggled);
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error.code, 'ERR_REQUEST_MALFORMED');
    assert.equal(upstream.requests.length, 0, 'neither request reaches the upstream');
  });

  it('answers 502 when the upstream is down', async () => {
    const res = await rawPost(`${gateway.dataUrl}/down/v1/chat/completions`, chat, auth);
    assertOpenAiError(res, 502, 'ERR_UPSTREAM_UNAVAILABLE');
  });

  it('answers 504 when the upstream does not answer in time, and the SDK sees the code', async () => {
    upstream.handler = () => {}; // never answers
    const slow = new OpenAI({ baseURL: `${gateway.dataUrl}/slow/v1`, apiKey: client.apiKey, maxRetries: 0 });
    const err = await slow.chat.completions.create(chat).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 504);
    assert.equal(err.code, 'ERR_UPSTREAM_TIMEOUT');
  });

  it('breaks the client stream when the upstream resets mid-SSE (no fake clean end)', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chatChunk('gpt-4o-mini', 'partial '));
      setImmediate(() => res.socket!.destroy());
    };
    const stream = await client.chat.completions.create({ ...chat, stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of stream) seen.push(c.choices[0]?.delta?.content ?? '');
    })().then(() => null, (e: unknown) => e);
    assert.deepEqual(seen, ['partial ']);
    assert.ok(err instanceof Error, 'the SDK must see an error, not a normal end of stream');
  });

  it('aborts the upstream request when the client goes away mid-stream', async () => {
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chatChunk('gpt-4o-mini', 'first '));
      // and then keeps the stream open
    };
    const aborted = once(upstream, 'aborted');
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ ...chat, stream: true }, { signal: controller.signal });
    for await (const c of stream) {
      assert.equal(c.choices[0]?.delta?.content, 'first ');
      controller.abort();
    }
    const [path] = await aborted;
    assert.equal(path, '/v1/chat/completions');
  });

  it('answers 404 in the OpenAI shape for a path no upstream serves', async () => {
    const g2 = await startGateway({ upstreams: [{ name: 'only', url: upstream.url, pathPrefix: '/v1/embeddings' }] });
    try {
      assertOpenAiError(await rawPost(`${g2.dataUrl}/v1/chat/completions`, chat, { authorization: `Bearer ${await g2.token()}` }), 404, 'ERR_ROUTE_NOT_FOUND');
    } finally {
      await g2.close();
    }
  });
});

function rawBody(url: string, body: string, contentType: string, options: { chunked?: boolean; authorization?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': contentType };
    if (options.authorization) headers.authorization = options.authorization;
    if (!options.chunked) headers['content-length'] = Buffer.byteLength(body);
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    if (options.chunked) {
      for (let i = 0; i < body.length; i += 8192) req.write(body.slice(i, i + 8192));
      req.end();
    } else {
      req.end(body);
    }
  });
}
