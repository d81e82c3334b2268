import type { Runtime } from '../runtime';
import { isHeldStream } from '../sse/sse-error';
import { clientResponseHeaders } from '../upstream/headers';
import type { Exchange } from './exchange';
import { recordOutcome } from './record-outcome';
import { relayIntoHeldStream } from './relay-into-held-stream';
import { openResponseSteps, type ResponseStage } from './response-stage';
import { noteUpstreamReset, type UpstreamBodySink, type UpstreamResponse } from './upstream-response';

/**
 * The response side of the forward stage: copies status, headers and body to the client through
 * the response stages, then writes the outcome record, then ends the response.
 *   per chunk:  upstream bytes → each response step's `chunk`, in table order → batched client write
 *   at end:     each step's `end` (what it held back, and its part of the record) → the outcome
 *               record (record-outcome.ts), durable → the response's last bytes and its end
 *   when cut:   no step ends; the client's response is destroyed; finish (run-pipeline.ts) records.
 * Writes x.outcome's status, firstByteMs, responseBytes and deliveredBytes.
 */
export function relayResponse(rt: Runtime, x: Exchange, stages: readonly ResponseStage[], upstreamRes: UpstreamResponse, done: () => void): UpstreamBodySink {
  const { res } = x;
  const status = upstreamRes.statusCode;
  const contentType = upstreamRes.headers['content-type'];
  // A held streaming request answered 200 with SSE headers while it waited for approval: an
  // upstream SSE success streams on into it; anything else becomes one SSE event.
  const heldStream = isHeldStream(res);
  const upstreamSse = /^text\/event-stream/i.test(contentType ?? '');
  if (heldStream && !(upstreamSse && status >= 200 && status < 300)) return relayIntoHeldStream(rt, x, stages, upstreamRes, done);
  const steps = openResponseSteps(stages, x, { status, headers: upstreamRes.headers });
  const rewrites = steps !== null && steps.rewrites;
  const hasLength = upstreamRes.headers['content-length'] !== undefined;
  x.outcome.status = status;
  if (!heldStream) {
    res.writeHead(status, clientResponseHeaders(upstreamRes.headers, x.id, rewrites));
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
  const holdLastByte = !heldStream && !rewrites && hasLength;
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
    data: steps ? (chunk) => write(steps.chunk(chunk)) : write,
    end() {
      if (steps) write(steps.end());
      flush();
      const finish = () => {
        res.end(held);
        done();
      };
      // The outcome record is durable before the client sees the end of the response (a crash
      // cannot leave a served request without it).
      const settle = () => {
        const durable = recordOutcome(rt, x);
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
