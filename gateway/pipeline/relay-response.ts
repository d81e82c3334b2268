import type { Runtime } from '../runtime';
import { isHeldStream } from '../sse/sse-error';
import { clientResponseHeaders } from '../upstream/headers';
import { afterReads } from './after-reads';
import { ClientBodyWriter } from './client-body-writer';
import type { Exchange } from './exchange';
import { recordOutcome } from './record-outcome';
import { relayIntoHeldStream } from './relay-into-held-stream';
import { openResponseSteps, type ResponseStage, type ResponseStep } from './response-stage';
import { noteUpstreamReset, type UpstreamBodySink, type UpstreamResponse } from './upstream-response';

/**
 * The response side of the forward stage: copies status, headers and body to the client through
 * the response stages, then writes the outcome record, then ends the response.
 *   per chunk:  upstream bytes → each response step's `chunk`, in table order → batched client write
 *   at end:     what is queued is written → (after the reads ready then, after-reads.ts) each
 *               step's `end` (what it held back, and its part of the record) → the outcome record
 *               (record-outcome.ts), durable → the response's last bytes and its end
 *   when cut:   no step ends; the client's response is destroyed; finish (run-pipeline.ts) records.
 * Writes x.outcome.status; the client writer (client-body-writer.ts) counts the bytes.
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
  // hold the last byte back until the outcome record is durable. A chunked response ends at
  // res.end(), but a JSON answer's text would be whole before it for a client reading the bytes:
  // its last byte waits too, and leaves with the terminator in the same write. (Not a stream's:
  // each of its events or lines must reach the client whole as it comes.)
  const lengthFramed = !heldStream && !rewrites && hasLength;
  const holdLastByte = lengthFramed || (!heldStream && /^application\/json/i.test(contentType ?? ''));
  // A stream's first bytes leave before its steps take the rest of the read they came in (client-body-writer.ts).
  const firstAtOnce = steps !== null && !holdLastByte;
  return new RelaySink(rt, x, steps, new ClientBodyWriter(x, res, holdLastByte, upstreamRes.resume, firstAtOnce), lengthFramed, done);
}

/** The relay of one response's body: an object of a class, not closures (a stream keeps it for as long as it runs). */
class RelaySink implements UpstreamBodySink {
  private broken = false;

  constructor(
    private readonly rt: Runtime,
    private readonly x: Exchange,
    private readonly steps: ResponseStep | null,
    private readonly client: ClientBodyWriter,
    /** The client sees the response whole at its held last byte (a Content-Length): the record may be built at once. */
    private readonly lengthFramed: boolean,
    private readonly done: () => void,
  ) {}

  data(chunk: Buffer): boolean {
    return this.client.write(this.steps ? this.steps.chunk(chunk) : chunk);
  }

  end(): void {
    this.client.flush();
    if (!this.steps) return this.settle();
    // What the steps passed on leaves first (Node uncorks the socket on a tick its write queued):
    // their end (the audit copy of the answer, the usage) and the record wait for the reads ready
    // now, so an answer that came in one read (headers, body and end together) does not wait for
    // that work to start, and when many streams end at once their ends do not hold the events of
    // the streams still flowing (after-reads.ts).
    this.x.queuedEnd = this;
    afterReads(runEnd, this);
  }

  /** The steps' end, once (from the queue, or first thing when the response closes before that): what they held back goes out, then the record. */
  run(): void {
    if (this.x.queuedEnd !== this) return;
    this.x.queuedEnd = undefined;
    this.client.write(this.steps!.end());
    this.client.flush();
    this.settle();
  }

  private settle(): void {
    const { rt, x, client, done } = this;
    const finish = () => {
      client.end();
      done();
    };
    // The outcome record is durable before the client sees the end of the response (a crash
    // cannot leave a served request without it).
    const record = () => {
      const durable = recordOutcome(rt, x);
      if (durable) durable.then(finish, finish);
      else finish();
    };
    // Bytes just written leave when Node uncorks the socket, on a tick their write queued:
    // building the record on a later tick lets them go first instead of waiting for its cost.
    // With the last byte held back the client cannot use the response before res.end anyway,
    // and settling now keeps that byte in the same write when no sync is needed (proxy only).
    // A response already closed (its client left at the last event, and its queued end runs first):
    // the record now, before the close makes it a cut one.
    if (this.lengthFramed || x.res.destroyed) record();
    else process.nextTick(record);
  }

  // An upstream reset after headers: end the client's response abruptly, so it cannot mistake a cut stream for a whole one.
  error(err: Error): void {
    if (this.broken) return;
    this.broken = true;
    if (!this.x.outcome.clientAborted) noteUpstreamReset(this.x.outcome, err);
    this.x.res.destroy();
    this.done();
  }
}

/** The steps' end of a relay, from the queue (a function with an argument, not a closure per response). */
function runEnd(sink: RelaySink): void {
  sink.run();
}
