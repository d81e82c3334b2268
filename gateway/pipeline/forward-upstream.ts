import { Transform, type TransformCallback } from 'node:stream';
import type { Dispatcher } from 'undici';
import { partsLength, type ByteParts } from '../core/byte-parts';
import { GatehouseError } from '../errors';
import type { DataPathMetrics, Runtime } from '../runtime';
import { upstreamRequestHeaders } from '../upstream/headers';
import type { Exchange, Stage } from './exchange';
import { relayResponse } from './relay-response';
import type { ResponseStage } from './response-stage';
import { parseRawHeaders, type UpstreamBodySink } from './upstream-response';

/**
 * Terminal stage: forward to the upstream over its keep-alive pool and stream the answer back.
 * Rules: undici's pool with a dispatch handler (no per-request fetch or web streams); bodies flow
 * both ways with backpressure; SSE and chunked responses are never buffered; a client that goes
 * away aborts the upstream request; upstream down → 502, no response headers in time → 504; an
 * upstream that breaks after headers were sent breaks the client's response too (never a fake
 * clean end). The answer goes through the response stages (`responseStages`, pipeline/index.ts)
 * on its way to the client (relay-response.ts). Resolves once the answer's relay has started (or
 * the client left before it could); rejects only before anything was sent. The relay then goes on
 * by itself, so a stream open for minutes keeps no promise of the run (the stage's, the `then`s
 * waiting on it); whoever must know when the answer has ended sets `x.answerEnded`.
 */
export function forwardUpstream(rt: Runtime, deps: { metrics: DataPathMetrics; responseStages: readonly ResponseStage[] }): Stage {
  const limit = rt.config.server?.maxBodyBytes;
  return (x) =>
    new Promise<void>((resolve, reject) => {
      const { upstream, path } = x.target!;
      const body = x.upstreamBody ?? x.body;
      const handler = new ForwardHandler(rt, x, deps, resolve, reject);
      const headers = upstreamRequestHeaders(x.req.headers, upstream, x.id, x.streamBody ? undefined : (body ? partsLength(body) : 0), x.clientAddress, x.upstreamTraceparent);
      const requestBody = x.streamBody ? limitedBody(x, limit, handler) : body ? sendable(body) : null;
      // undici documents Iterable bodies (docs/api/Dispatcher.md, `body`); its types leave them out.
      const dispatchBody = requestBody as Dispatcher.DispatchOptions['body'];
      upstream.pool.dispatch({ method: x.req.method as Dispatcher.HttpMethod, path, headers, body: dispatchBody, headersTimeout: 0, bodyTimeout: 0 }, handler);
      // The exchange lets go of its copies of the body: the arrival record, durable by now, keeps
      // what the audit keeps of it, the outcome record reads none of them, and the dispatcher has
      // its own. A streamed answer keeps the exchange for as long as it runs.
      x.body = x.json = x.upstreamBody = x.auditRequestBody = x.auditRequestJson = undefined;
    });
}

/** From this size on, a body in parts is sent as its parts; a smaller one is joined first. */
const partsFrom = 64 * 1024;

/**
 * The body as the dispatcher gets it. A body in parts (a member added in front of a big prompt,
 * `core/json-member.ts`) is written part by part, not copied into one buffer; below `partsFrom`
 * the copy costs less than a socket write per part, so it is joined.
 */
function sendable(body: ByteParts): Buffer | Buffer[] {
  if (Buffer.isBuffer(body)) return ownBytes(body);
  const parts = body as readonly Buffer[];
  const length = partsLength(parts);
  if (length >= partsFrom) return parts.map(ownBytes);
  const own = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const p of parts) at += p.copy(own, at);
  return own;
}

/**
 * The bytes in a buffer of their own unless they fill most of the one they are in: a small
 * Buffer.from or Buffer.concat is a slice of Node's shared 8 KB pool, and the dispatcher keeps
 * the request's body until its response ends, so one slice would keep the whole pool block (and
 * every dead slice in it) for a stream's life. A big body's part after its first byte keeps it.
 */
function ownBytes(body: Buffer): Buffer {
  if (body.length * 2 >= body.buffer.byteLength) return body;
  const own = Buffer.allocUnsafeSlow(body.length);
  body.copy(own);
  return own;
}

/** One forwarded request: undici's (legacy, unwrapped) dispatch handler, the timers and the client's close. */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private settled = false;
  /** The stage's promise's resolving functions, until it is settled; then dropped (a stream keeps this handler for its life). */
  private resolve: (() => void) | undefined;
  private reject: ((err: GatehouseError) => void) | undefined;
  private cancelled = false;
  private abortUpstream?: (err?: Error) => void;
  private sink?: UpstreamBodySink;
  /** Until the response's headers are in (or it is settled otherwise); then dropped, not kept for a stream's life. */
  private headerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly rt: Runtime,
    private readonly x: Exchange,
    private readonly deps: { metrics: DataPathMetrics; responseStages: readonly ResponseStage[] },
    resolve: () => void,
    reject: (err: GatehouseError) => void,
  ) {
    this.resolve = resolve;
    this.reject = reject;
    const upstream = x.target!.upstream;
    // Response headers must arrive in time, counted from now (a wait for a free connection included).
    this.headerTimer = setTimeout(
      () => this.fail(new GatehouseError(504, 'ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream.name} did not answer within ${upstream.timeoutMs} ms.`)),
      upstream.timeoutMs,
    );
    // The client leaving cancels the upstream request, wherever it is: the exchange's client-gone
    // signal (aborted by the pipeline's close listener when the response closes unfinished), not
    // a close listener of the response's own.
    x.clientGone.addEventListener('abort', () => {
      x.outcome.clientAborted = true;
      this.cancel();
      if (!this.settled) {
        const resolve = this.resolve!;
        this.settle();
        resolve();
        // No answer was relayed: it ends here.
        answerEnded(x);
      }
    });
  }

  /** Settled (set first: what it calls may call back); the handler lets go of the stage's resolving functions. */
  private settle(): void {
    this.settled = true;
    this.resolve = this.reject = undefined;
    this.stopHeaderTimer();
  }

  /** Before anything was sent to the client: answer with this error instead. */
  fail(err: GatehouseError): void {
    if (this.settled) return;
    const reject = this.reject!;
    this.settle();
    this.deps.metrics.upstreamFailed(this.x.target!.upstream.name, err.code);
    this.x.outcome.upstreamError = err.code;
    this.cancel();
    reject(err);
  }

  private stopHeaderTimer(): void {
    clearTimeout(this.headerTimer);
    this.headerTimer = undefined;
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
    const resolve = this.resolve!;
    this.settle();
    const x = this.x;
    // The relay's end (relayed whole, cut or abandoned) is the answer's.
    this.sink = relayResponse(this.rt, x, this.deps.responseStages, { statusCode, headers: parseRawHeaders(rawHeaders), resume }, () => answerEnded(x));
    // The relay goes on by itself from here: nothing the run waits on is left.
    resolve();
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

/** Tells whoever waits for the end of the forwarded answer (`x.answerEnded`), once. */
function answerEnded(x: Exchange): void {
  const ended = x.answerEnded;
  x.answerEnded = undefined;
  ended?.();
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
