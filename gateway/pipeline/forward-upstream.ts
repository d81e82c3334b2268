import { Transform, type TransformCallback } from 'node:stream';
import type { Dispatcher } from 'undici';
import { GatehouseError } from '../errors';
import type { ResponseMasker, Runtime } from '../runtime';
import { clientResponseHeaders, upstreamRequestHeaders } from '../upstream/headers';
import type { GatewayMetrics } from '../server/metrics';
import { isHeldStream } from '../sse/sse-error';
import type { Exchange, Stage } from './exchange';
import { relayIntoHeldStream } from './relay-into-held-stream';
import { noteUpstreamReset, parseRawHeaders, type UpstreamBodySink, type UpstreamResponse } from './upstream-response';

/**
 * Terminal stage: forward to the upstream over its keep-alive pool and stream the answer back.
 * Rules: undici's pool with a dispatch handler (no per-request fetch or web streams); bodies flow
 * both ways with backpressure; SSE and chunked responses are never buffered; a client that goes
 * away aborts the upstream request; upstream down → 502, no response headers in time → 504; an
 * upstream that breaks after headers were sent breaks the client's response too (never a fake
 * clean end). Resolves when the response is finished or abandoned; rejects only before anything
 * was sent.
 */
export function forwardUpstream(rt: Runtime, metrics: GatewayMetrics): Stage {
  const limit = rt.config.server?.maxBodyBytes;
  return (x) =>
    new Promise<void>((resolve, reject) => {
      const { upstream, path } = x.target!;
      const body = x.upstreamBody ?? x.body;
      const handler = new ForwardHandler(rt, x, metrics, resolve, reject);
      const headers = upstreamRequestHeaders(x.req.headers, upstream, x.id, x.streamBody ? undefined : (body?.length ?? 0), x.clientAddress);
      const requestBody = x.streamBody ? limitedBody(x, limit, handler) : (body ?? null);
      upstream.pool.dispatch({ method: x.req.method as Dispatcher.HttpMethod, path, headers, body: requestBody, headersTimeout: 0, bodyTimeout: 0 }, handler);
    });
}

/** One forwarded request: undici's (legacy, unwrapped) dispatch handler, the timers and the client's close. */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private settled = false;
  private cancelled = false;
  private abortUpstream?: (err?: Error) => void;
  private sink?: UpstreamBodySink;
  private readonly headerTimer: NodeJS.Timeout;

  constructor(
    private readonly rt: Runtime,
    private readonly x: Exchange,
    private readonly metrics: GatewayMetrics,
    private readonly resolve: () => void,
    private readonly reject: (err: GatehouseError) => void,
  ) {
    const upstream = x.target!.upstream;
    // Response headers must arrive in time, counted from now (a wait for a free connection included).
    this.headerTimer = setTimeout(
      () => this.fail(new GatehouseError(504, 'ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream.name} did not answer within ${upstream.timeoutMs} ms.`)),
      upstream.timeoutMs,
    );
    // The client leaving cancels the upstream request, wherever it is.
    x.res.once('close', () => {
      if (x.res.writableFinished) return;
      x.outcome.clientAborted = true;
      this.cancel();
      if (!this.settled) {
        this.settled = true;
        clearTimeout(this.headerTimer);
        this.resolve();
      }
    });
  }

  /** Before anything was sent to the client: answer with this error instead. */
  fail(err: GatehouseError): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.headerTimer);
    this.metrics.upstreamErrors.inc({ upstream: this.x.target!.upstream.name, code: err.code });
    this.x.outcome.upstreamError = err.code;
    this.cancel();
    this.reject(err);
  }

  private cancel(): void {
    this.cancelled = true;
    this.abortUpstream?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    // A request still queued for a connection when it was cancelled is aborted as soon as it gets one.
    if (this.cancelled) abort();
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (this.settled) {
      this.cancel();
      return false;
    }
    this.settled = true;
    clearTimeout(this.headerTimer);
    this.sink = relayResponse(this.rt, this.x, { statusCode, headers: parseRawHeaders(rawHeaders), resume }, this.resolve);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.sink ? this.sink.data(chunk) : false;
  }

  onComplete(): void {
    this.sink?.end();
  }

  onError(err: Error & { code?: string }): void {
    if (this.sink) return this.sink.error(err);
    if (this.settled) return;
    const name = this.x.target!.upstream.name;
    if (err.code === 'UND_ERR_CONNECT_TIMEOUT') {
      return this.fail(new GatehouseError(504, 'ERR_UPSTREAM_TIMEOUT', `The upstream ${name} did not accept the connection in time.`, { cause: err }));
    }
    const refused = err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH';
    this.fail(new GatehouseError(502, refused ? 'ERR_UPSTREAM_UNAVAILABLE' : 'ERR_UPSTREAM_FAILED',
      refused ? `The upstream ${name} is unreachable.` : `The upstream ${name} failed before answering.`, { cause: err }));
  }
}

/** A non-JSON request body (e.g. a file upload) streamed with backpressure (pipe) and the size limit. */
function limitedBody(x: Exchange, limit: number | undefined, handler: ForwardHandler): Transform {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      size += chunk.length;
      if (limit !== undefined && size > limit) {
        // Stop reading but keep the client's socket: it still gets the 413 (with Connection: close).
        x.req.unpipe(counter);
        x.req.pause();
        const err = new GatehouseError(413, 'ERR_REQUEST_TOO_LARGE', `The request body exceeds the limit of ${limit} bytes.`, { headers: { connection: 'close' } });
        handler.fail(err);
        return callback(err);
      }
      callback(null, chunk);
    },
  });
  return x.req.pipe(counter);
}

/** Copies status, headers and body to the client, through the response masker when one applies. */
function relayResponse(rt: Runtime, x: Exchange, upstreamRes: UpstreamResponse, done: () => void): UpstreamBodySink {
  const { res } = x;
  const status = upstreamRes.statusCode;
  const contentType = upstreamRes.headers['content-type'];
  // A held streaming request answered 200 with SSE headers while it waited for approval: an
  // upstream SSE success streams on into it; anything else becomes one SSE event.
  const heldStream = isHeldStream(res);
  const upstreamSse = /^text\/event-stream/i.test(contentType ?? '');
  if (heldStream && !(upstreamSse && status >= 200 && status < 300)) return relayIntoHeldStream(rt, x, upstreamRes, done);
  const masker: ResponseMasker | null = rt.masking.responseMasker(x, contentType);
  const hasLength = upstreamRes.headers['content-length'] !== undefined;
  x.outcome.status = status;
  if (!heldStream) {
    res.writeHead(status, clientResponseHeaders(upstreamRes.headers, x.id, masker !== null));
    // The headers leave with the first body bytes, in one write (a separate flush costs a syscall per
    // response). A streamed answer whose first bytes are not here yet gets its headers at the end of
    // this turn of the event loop, so an SSE client still sees the stream open at once.
    if (!hasLength) {
      setImmediate(() => {
        if (x.outcome.firstByteMs === undefined && !res.writableEnded && !res.destroyed) res.flushHeaders();
      });
    }
  }

  // With a Content-Length the client sees the response complete at its last byte, not at res.end():
  // hold the last byte back until the outcome record is durable (chunked responses end at res.end()).
  const holdLastByte = !heldStream && masker === null && hasLength;
  let held: Buffer | undefined;
  // Chunks that arrive in one read from the upstream (an SSE burst: a chunk per event) leave in one
  // res.write at the end of this tick: each chunked res.write costs its own framing and iovecs.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let flushQueued = false;
  let waitingForDrain = false;
  // What the client's connection accepted: writes complete in order, so one callback and a FIFO of sizes.
  x.outcome.deliveredBytes = 0;
  const writing: number[] = [];
  const onWritten = (err?: Error | null) => {
    const n = writing.shift() ?? 0;
    if (!err) x.outcome.deliveredBytes! += n;
  };
  const onDrain = () => {
    waitingForDrain = false;
    upstreamRes.resume();
  };
  const flush = () => {
    flushQueued = false;
    if (pendingBytes === 0 || res.destroyed) return;
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    writing.push(out.length);
    if (!res.write(out, onWritten) && !waitingForDrain) {
      waitingForDrain = true;
      res.once('drain', onDrain);
    }
  };
  const write = (chunk: Buffer): boolean => {
    if (chunk.length === 0) return !waitingForDrain;
    if (x.outcome.firstByteMs === undefined) x.outcome.firstByteMs = elapsedMs(x);
    x.outcome.responseBytes += chunk.length;
    if (holdLastByte) {
      if (held) {
        pending.push(held);
        pendingBytes += held.length;
      }
      held = chunk.subarray(chunk.length - 1);
      chunk = chunk.subarray(0, chunk.length - 1);
    }
    if (chunk.length > 0) {
      pending.push(chunk);
      pendingBytes += chunk.length;
    }
    if (!flushQueued) {
      flushQueued = true;
      process.nextTick(flush);
    }
    return !waitingForDrain;
  };
  let broken = false;
  return {
    data: (chunk) => write(masker ? masker.push(chunk) : chunk),
    end() {
      if (masker) write(masker.end());
      flush();
      const finish = () => {
        res.end(held);
        done();
      };
      // The outcome record is durable before the client sees the end of the response (a crash
      // cannot leave a served request without it).
      const settle = () => {
        const durable = rt.audit.outcome(x);
        if (durable) durable.then(finish, finish);
        else finish();
      };
      // Bytes just written leave when Node uncorks the socket, on a tick their write queued:
      // building the record on a later tick lets them go first instead of waiting for its cost.
      // With the last byte held back the client cannot use the response before res.end anyway,
      // and settling now keeps that byte in the same write when no sync is needed (proxy only).
      if (holdLastByte) settle();
      else process.nextTick(settle);
    },
    // An upstream reset after headers: end the client's response abruptly, so it cannot mistake a cut stream for a whole one.
    error(err) {
      if (broken) return;
      broken = true;
      if (!x.outcome.clientAborted) noteUpstreamReset(x.outcome, err);
      res.destroy();
      done();
    },
  };
}

function elapsedMs(x: Exchange): number {
  return Number(process.hrtime.bigint() - x.startNs) / 1e6;
}
