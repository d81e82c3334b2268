import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { auditRecordOf } from '../../builders/audit-record-of';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

/** Issue 15 item 4: the body limit, the request timeout and /healthz hold as documented. */
const limit = 64 * 1024;
const requestTimeoutMs = 2000;

describe('proxy: limits that hold', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let token: string;
  let port: number;

  before(async () => {
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({ server: { maxBodyBytes: limit, requestTimeoutMs }, upstreams: [{ name: 'fake', url: upstream.url }] });
    token = await gateway.token();
    port = Number(new URL(gateway.dataUrl).port);
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
  });
  beforeEach(() => upstream.reset());

  function head(length: number, extra = ''): string {
    return `POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;
  }

  /** Everything received on a socket until it closes, and whether it ended in an error (a reset). */
  function collect(socket: Socket): Promise<{ text: string; error?: string }> {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    return once(socket, 'close').then(() => ({ text: Buffer.concat(chunks).toString('latin1'), error }));
  }

  it('answers an oversized upload with a 413 the client reads, not a reset (the client stops sending when answered)', async () => {
    for (let round = 0; round < 5; round++) {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const result = collect(socket);
      const total = 4 * 1024 * 1024;
      let answered = false;
      socket.once('data', () => {
        // What curl does: a response before the body is sent stops the upload.
        answered = true;
        socket.end();
      });
      socket.write(head(total));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      for (let sent = 0; sent < total && !answered && !socket.destroyed; sent += chunk.length) {
        if (!socket.write(chunk)) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
      }
      const { text, error } = await result;
      assert.equal(error, undefined, `round ${round}: the connection was reset`);
      assert.match(text, /^HTTP\/1\.1 413 /);
      assert.match(text, /connection: close/i);
      assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code, 'ERR_REQUEST_TOO_LARGE');
    }
    assert.equal(upstream.requests.length, 0);
  });

  it('answers 413 without 100 Continue when Expect: 100-continue declares a body over the limit', async () => {
    const socket = connect(port, '127.0.0.1');
    const result = collect(socket);
    socket.write(head(10 * 1024 * 1024, 'Expect: 100-continue\r\n'));
    // The client sends no body: it waits for the 100 that must not come, and closes once answered.
    socket.once('data', () => socket.end());
    const { text, error } = await result;
    assert.equal(error, undefined);
    assert.match(text, /^HTTP\/1\.1 413 /, `first response line: ${text.split('\r\n')[0]}`);
    assert.doesNotMatch(text, /100 Continue/);
  });

  it('sends 100 Continue for a body within the limit, and forwards it', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    const socket = connect(port, '127.0.0.1');
    const result = collect(socket);
    socket.write(head(body.length, 'Expect: 100-continue\r\nConnection: close\r\n'));
    socket.once('data', (first: Buffer) => {
      assert.match(first.toString(), /^HTTP\/1\.1 100 Continue/);
      socket.write(body);
    });
    const { text } = await result;
    assert.match(text, /HTTP\/1\.1 200 OK/);
    assert.match(text, /echo: hello/);
  });

  it('closes 10 trickling (slowloris) connections within requestTimeoutMs, with /healthz answering throughout', async function () {
    this.timeout(30_000);
    const started = Date.now();
    const closings = Array.from({ length: 10 }, async () => {
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const opened = Date.now();
      const result = collect(socket);
      socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n');
      // One header byte every 100 ms: each byte resets an idle timeout, never the request timeout.
      const trickle = setInterval(() => !socket.destroyed && socket.write('X'), 100);
      const { text } = await result;
      clearInterval(trickle);
      return { ms: Date.now() - opened, text };
    });
    let probes = 0;
    let done = false;
    const all = Promise.all(closings).finally(() => (done = true));
    while (!done) {
      const res = await get('/healthz');
      assert.deepEqual([res.status, res.body], [200, ''], 'the data listener answers /healthz while it is being trickled at');
      probes++;
      await Promise.race([all, new Promise((r) => setTimeout(r, 100))]);
    }
    const results = await all;
    assert.ok(probes >= 2, `probed ${probes} times`);
    for (const { ms, text } of results) {
      assert.match(text, /^HTTP\/1\.1 408 /);
      // The bound under test is requestTimeoutMs; the margin is for a loaded machine, far below node's 30 s check interval.
      assert.ok(ms <= requestTimeoutMs + 1500, `closed after ${ms} ms (limit ${requestTimeoutMs} ms)`);
    }
    assert.ok(Date.now() - started < 10_000);
  });

  it('answers GET and HEAD /healthz on the data listener: unauthenticated, no body, not audited', async () => {
    const got = await get('/healthz');
    const headed = await get('/healthz', 'HEAD');
    assert.deepEqual([got.status, got.body, got.headers['content-length']], [200, '', '0']);
    assert.equal(headed.status, 200);
    // A request that is audited, sent after the probes: once its record is there, theirs would be too.
    const audited = await get('/v1/models');
    assert.equal(audited.status, 401);
    await auditRecordOf(gateway, { requestId: String(audited.headers['x-request-id']) });
    assert.deepEqual((await gateway.runtime.audit.query!({ limit: 1000 })).filter((r) => r.path === '/healthz'), []);
    assert.equal(upstream.requests.length, 0);
  });

  function get(path: string, method = 'GET'): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
    return new Promise((resolve, reject) => {
      const req = request(`${gateway.dataUrl}${path}`, { method, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  }
});
