import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { GatehouseError } from '../errors';
import type { ResponseMasker, Runtime } from '../runtime';
import { clientResponseHeaders, upstreamRequestHeaders } from '../upstream/headers';
import type { GatewayMetrics } from '../server/metrics';
import { isHeldStream } from '../sse/sse-error';
import type { Exchange, Stage } from './exchange';
import { relayIntoHeldStream } from './relay-into-held-stream';

/**
 * Terminal stage: forward to the upstream over its keep-alive pool and stream the answer back.
 * Rules: node:http with a pooled Agent (no per-request fetch or web streams); bodies flow both
 * ways with backpressure; SSE and chunked responses are never buffered; a client that goes away
 * aborts the upstream request; upstream down → 502, no response headers in time → 504; an upstream
 * that breaks after headers were sent breaks the client's response too (never a fake clean end).
 * Resolves when the response is finished or abandoned; rejects only before anything was sent.
 */
export function forwardUpstream(rt: Runtime, metrics: GatewayMetrics): Stage {
  return (x) =>
    new Promise<void>((resolve, reject) => {
      const { upstream, path } = x.target!;
      const body = x.upstreamBody ?? x.body;
      const headers = upstreamRequestHeaders(x.req.headers, upstream, x.id, x.streamBody ? undefined : (body?.length ?? 0));
      const send = upstream.https ? httpsRequest : httpRequest;
      const upstreamReq: ClientRequest = send({
        agent: upstream.agent,
        hostname: upstream.hostname,
        port: upstream.port,
        method: x.req.method,
        path,
        headers,
        timeout: upstream.connectTimeoutMs,
      });
      let settled = false;
      const fail = (err: GatehouseError) => {
        if (settled) return;
        settled = true;
        clearTimeout(headerTimer);
        metrics.upstreamErrors.inc({ upstream: upstream.name, code: err.code });
        x.outcome.upstreamError = err.code;
        upstreamReq.destroy();
        reject(err);
      };

      // Response headers must arrive in time; the connect timeout (socket idle) covers the handshake.
      const headerTimer = setTimeout(
        () => fail(new GatehouseError(504, 'ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream.name} did not answer within ${upstream.timeoutMs} ms.`)),
        upstream.timeoutMs,
      );
      upstreamReq.on('timeout', () =>
        fail(new GatehouseError(504, 'ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream.name} did not accept the connection in time.`)),
      );
      upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const refused = err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'EHOSTUNREACH';
        fail(new GatehouseError(502, refused ? 'ERR_UPSTREAM_UNAVAILABLE' : 'ERR_UPSTREAM_FAILED',
          refused ? `The upstream ${upstream.name} is unreachable.` : `The upstream ${upstream.name} failed before answering.`, { cause: err }));
      });

      // The client leaving cancels the upstream request, wherever it is.
      const onClientClose = () => {
        if (x.res.writableFinished) return;
        x.outcome.clientAborted = true;
        upstreamReq.destroy();
        if (!settled) {
          settled = true;
          clearTimeout(headerTimer);
          resolve();
        }
      };
      x.res.once('close', onClientClose);

      upstreamReq.on('response', (upstreamRes) => {
        if (settled) {
          upstreamRes.resume();
          return;
        }
        settled = true;
        clearTimeout(headerTimer);
        upstreamReq.setTimeout(0);
        relayResponse(rt, x, upstreamRes, resolve);
      });

      if (x.streamBody) streamRequestBody(x, upstreamReq, rt.config.server?.maxBodyBytes, fail);
      else upstreamReq.end(body);
    });
}

/** Streams a non-JSON request body (e.g. a file upload) with backpressure and the size limit. */
function streamRequestBody(x: Exchange, upstreamReq: ClientRequest, limit: number | undefined, fail: (e: GatehouseError) => void): void {
  let size = 0;
  x.req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (limit !== undefined && size > limit) {
      fail(new GatehouseError(413, 'ERR_REQUEST_TOO_LARGE', `The request body exceeds the limit of ${limit} bytes.`, { headers: { connection: 'close' } }));
      x.req.pause();
      return;
    }
    if (!upstreamReq.write(chunk)) {
      x.req.pause();
      upstreamReq.once('drain', () => x.req.resume());
    }
  });
  x.req.on('end', () => upstreamReq.end());
}

/** Copies status, headers and body to the client, through the response masker when one applies. */
function relayResponse(rt: Runtime, x: Exchange, upstreamRes: IncomingMessage, done: () => void): void {
  const { res } = x;
  // A held streaming request answered 200 with SSE headers while it waited for approval: an
  // upstream SSE success streams on into it; anything else becomes one SSE event.
  const heldStream = isHeldStream(res);
  const upstreamSse = /^text\/event-stream/i.test(upstreamRes.headers['content-type'] ?? '');
  const status = upstreamRes.statusCode ?? 502;
  if (heldStream && !(upstreamSse && status >= 200 && status < 300)) return relayIntoHeldStream(rt, x, upstreamRes, done);
  const masker: ResponseMasker | null = rt.masking.responseMasker(x, upstreamRes.headers['content-type']);
  x.outcome.status = upstreamRes.statusCode;
  if (!heldStream) {
    res.writeHead(status, clientResponseHeaders(upstreamRes.headers, x.id, masker !== null));
    // The headers leave with the first body bytes, in one write (a separate flush costs a syscall per
    // response). A streamed answer whose first bytes are not here yet gets its headers at the end of
    // this turn of the event loop, so an SSE client still sees the stream open at once.
    if (upstreamRes.headers['content-length'] === undefined) {
      setImmediate(() => {
        if (x.outcome.firstByteMs === undefined && !res.writableEnded && !res.destroyed) res.flushHeaders();
      });
    }
  }

  // With a Content-Length the client sees the response complete at its last byte, not at res.end():
  // hold the last byte back until the outcome record is durable (chunked responses end at res.end()).
  const holdLastByte = !heldStream && masker === null && upstreamRes.headers['content-length'] !== undefined;
  let held: Buffer | undefined;
  const write = (chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (x.outcome.firstByteMs === undefined) x.outcome.firstByteMs = elapsedMs(x);
    x.outcome.responseBytes += chunk.length;
    if (holdLastByte) {
      if (held) res.write(held);
      held = chunk.subarray(chunk.length - 1);
      chunk = chunk.subarray(0, chunk.length - 1);
      if (chunk.length === 0) return;
    }
    if (!res.write(chunk)) {
      upstreamRes.pause();
      res.once('drain', () => upstreamRes.resume());
    }
  };
  upstreamRes.on('data', (chunk: Buffer) => write(masker ? masker.push(chunk) : chunk));
  upstreamRes.on('end', () => {
    if (masker) write(masker.end());
    const finish = () => {
      res.end(held);
      done();
    };
    // The outcome record is durable before the client sees the end of the response (a crash cannot leave a served request without it).
    const durable = rt.audit.outcome(x);
    if (durable) durable.then(finish, finish);
    else finish();
  });
  // An upstream reset after headers: end the client's response abruptly, so it cannot mistake a cut stream for a whole one.
  let broken = false;
  const onBroken = () => {
    if (broken) return;
    broken = true;
    if (!x.outcome.clientAborted) x.outcome.upstreamError = 'ERR_UPSTREAM_RESET';
    res.destroy();
    done();
  };
  upstreamRes.on('aborted', onBroken);
  upstreamRes.on('error', onBroken);
}

function elapsedMs(x: Exchange): number {
  return Number(process.hrtime.bigint() - x.startNs) / 1e6;
}
