import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HttpExchange } from '../../../gateway/pipeline/http-exchange';
import { relayResponse } from '../../../gateway/pipeline/relay-response';
import type { ResponseStage } from '../../../gateway/pipeline/response-stage';
import type { AuditService, Runtime } from '../../../gateway/runtime';
import { noBudgets, noUsage } from '../../../gateway/usage/usage-service';

/** A runtime whose outcome records are durable at once, and that counts them. */
function runtime(): { rt: Runtime; outcomes: () => number } {
  let outcomes = 0;
  const audit = { outcome: () => (outcomes++, Promise.resolve()) } as unknown as AuditService;
  return { rt: { audit, usage: noUsage, budgets: noBudgets } as unknown as Runtime, outcomes: () => outcomes };
}

/** What the client's socket held when a response step ended: bytes written (queued ones included) and bytes not yet handed to the kernel. */
interface SocketAtEnd {
  written: number;
  pending: number;
}

/** A step that passes the body on unchanged (as masking without client rules) and notes the client's socket when it ends. */
function noteSocketAtEnd(seen: SocketAtEnd[]): ResponseStage {
  return (x) => ({
    rewrites: true,
    chunk: (c) => c,
    end() {
      const s = x.res.socket!;
      seen.push({ written: s.bytesWritten, pending: s.writableLength });
      return Buffer.alloc(0);
    },
  });
}

/** Starts `server` on a loopback port and GETs its one answer's body; `atEnd` runs as the client sees the end. */
async function getOnce(server: http.Server, atEnd?: () => void): Promise<Buffer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return new Promise<Buffer>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        atEnd?.();
        resolve(Buffer.concat(chunks));
      });
    }).on('error', reject);
  });
}

describe('pipeline/relay-response: the answer relayed through the response steps', () => {
  let server: http.Server;
  afterEach(() => server?.close());

  it('an answer that came in one read (headers, body and end): its bytes are on the wire before the steps end, and the record before the response ends', async () => {
    const body = Buffer.from(JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { content: 'This is a test.' } }] }));
    const { rt, outcomes } = runtime();
    const seen: SocketAtEnd[] = [];
    let outcomesAtClientEnd = -1;
    server = http.createServer((req, res) => {
      const x = new HttpExchange(req, res);
      const head = { statusCode: 200, headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, resume() {} };
      const sink = relayResponse(rt, x, [noteSocketAtEnd(seen)], head, () => undefined);
      // As undici hands over an answer whose headers, body and end came in one read: all in one go.
      sink.data(body);
      sink.end();
    });
    const got = await getOnce(server, () => {
      outcomesAtClientEnd = outcomes();
    });
    assert.deepEqual(got, body);
    assert.equal(seen.length, 1);
    // The headers and all of the body but its held-back last byte were handed to the kernel before the step's end ran.
    assert.ok(seen[0]!.written >= body.length - 1, `written before the steps ended: ${seen[0]!.written} bytes`);
    assert.equal(seen[0]!.pending, 0);
    assert.equal(outcomesAtClientEnd, 1);
  });

  it('a stream whose events came in one read: its first event is handed to the kernel before the steps take the next one', async () => {
    const events = ['data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n', 'data: {"choices":[{"index":0,"delta":{"content":" there"}}]}\n\n', 'data: [DONE]\n\n'].map((e) => Buffer.from(e));
    const { rt } = runtime();
    // The client's socket as each chunk reaches the step (as masking without client rules: it passes them on).
    const atChunk: SocketAtEnd[] = [];
    const noteSocketAtChunk: ResponseStage = (x) => ({
      rewrites: true,
      chunk(c) {
        const s = x.res.socket!;
        atChunk.push({ written: s.bytesWritten, pending: s.writableLength });
        return c;
      },
      end: () => Buffer.alloc(0),
    });
    server = http.createServer((req, res) => {
      const x = new HttpExchange(req, res);
      const head = { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, resume() {} };
      const sink = relayResponse(rt, x, [noteSocketAtChunk], head, () => undefined);
      // As undici hands over a stream whose events and end came in one read: all in one go.
      for (const e of events) sink.data(e);
      sink.end();
    });
    const got = await getOnce(server);
    assert.deepEqual(got, Buffer.concat(events));
    assert.equal(atChunk.length, 3);
    // Nothing was written when the first event reached the step; by the second, the headers and the first event had left.
    assert.deepEqual(atChunk[0], { written: 0, pending: 0 });
    assert.ok(atChunk[1]!.written > events[0]!.length, `written when the second event reached the steps: ${atChunk[1]!.written} bytes`);
    assert.equal(atChunk[1]!.pending, 0);
  });

  it('the ends of streams whose answers ended in one turn run over several turns, after that turn\'s reads, not back to back', async () => {
    const n = 300;
    const { rt, outcomes } = runtime();
    const sinks: { end(): void }[] = [];
    let stepsEnded = 0;
    // Each step's end costs ≈ 50 µs (as the answer's audit copy masked at the end): 300 of them are ≈ 15 ms of work.
    const countEnd: ResponseStage = () => ({
      rewrites: true,
      chunk: (c) => c,
      end: () => {
        const until = performance.now() + 0.05;
        while (performance.now() < until);
        stepsEnded++;
        return Buffer.alloc(0);
      },
    });
    server = http.createServer((req, res) => {
      const x = new HttpExchange(req, res);
      const head = { statusCode: 200, headers: { 'content-type': 'text/event-stream' }, resume() {} };
      const sink = relayResponse(rt, x, [countEnd], head, () => undefined);
      sink.data(Buffer.from('data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'));
      sinks.push(sink);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const agent = new http.Agent({ maxSockets: n });
    const done = Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    }));
    while (sinks.length < n) await new Promise((resolve) => setImmediate(resolve));
    // Every answer ends in this one turn, as when one read of the loop brings many streams' ends;
    // the turn's next check phase is queued first.
    const next = new Promise((resolve) => setImmediate(resolve));
    for (const sink of sinks) sink.end();
    await next;
    const atTurns = [stepsEnded];
    while (stepsEnded < n) {
      await new Promise((resolve) => setImmediate(resolve));
      atTurns.push(stepsEnded);
    }
    await Promise.all(done);
    agent.destroy();
    assert.equal(outcomes(), n);
    assert.equal(atTurns[0], 0, 'no stream\'s end ran before the turn\'s reads');
    assert.ok(atTurns.length >= 3 && atTurns.some((e) => e > 0 && e < n), `streams' ends run by turn: ${atTurns.join(', ')}`);
  });
});
