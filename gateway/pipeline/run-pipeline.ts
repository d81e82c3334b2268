import type { IncomingMessage, ServerResponse } from 'node:http';
import { asGatehouseError } from '../errors';
import type { DataPathMetrics, Runtime } from '../runtime';
import type { Stage } from './exchange';
import { HttpExchange } from './http-exchange';
import { recordOutcome } from './record-outcome';
import { noteErrorOutcome, respondError } from './respond-error';

/**
 * Runs the stages in order for each request. A stage that finishes synchronously costs no
 * promise; the first one that returns a promise switches the rest of the run to async.
 * Whatever a stage throws becomes the client's error response, sent once its audit record is
 * durable; every request, answered or not, ends in one outcome record (record-outcome.ts) and is
 * counted in metrics when its response closes.
 */
export function createPipelineHandler(rt: Runtime, stages: readonly Stage[], metrics: DataPathMetrics) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const x = new HttpExchange(req, res);
    // `on`, not `once`: a response emits close once (node guards it), and once's wrapper (≈ 200 B) would stay for the request's life.
    res.on('close', () => finish(rt, metrics, x));
    const fail = (err: unknown) => {
      const error = asGatehouseError(err);
      if (error.status >= 500 && error.code === 'ERR_INTERNAL') rt.log.error('request failed', { requestId: x.id, error: String(error.cause ?? error) });
      // The record first: a refusal the client saw is one the log keeps, even through a crash.
      noteErrorOutcome(x, error);
      const durable = recordOutcome(rt, x);
      if (!durable) return respondError(x, error);
      durable.then(
        () => respondError(x, error),
        (auditErr: unknown) => {
          // Fail closed: without its record the refusal is not sent either; the client gets 503.
          const unavailable = asGatehouseError(auditErr);
          noteErrorOutcome(x, unavailable);
          respondError(x, unavailable);
        },
      );
    };
    try {
      const pending = runFrom(x, stages, 0);
      if (pending) pending.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

function runFrom(x: HttpExchange, stages: readonly Stage[], from: number): Promise<void> | void {
  for (let i = from; i < stages.length; i++) {
    const pending = stages[i]!(x);
    if (pending) return pending.then(() => runFrom(x, stages, i + 1));
  }
}

function finish(rt: Runtime, metrics: DataPathMetrics, x: HttpExchange): void {
  // An answer that ended whole but whose end still waits in the queue: it ends first, as it would have.
  x.queuedEnd?.run();
  // A response that did not finish, and that neither the upstream (a reset) nor the gateway (an error
  // after the headers) cut: the client went away. Set before the outcome is built (it may be built now).
  if (!x.res.writableFinished && x.outcome.upstreamError === undefined && x.outcome.errorCode === undefined) x.outcome.clientAborted = true;
  metrics.requestEnded(x.request?.endpoint ?? 'other', x.outcome.status ?? 499, x.elapsedMs() / 1000);
  // Already written when the response ended whole or was refused; a cut one is recorded now.
  recordOutcome(rt, x);
  // Then whatever waits on the client (a held approval) learns it is gone.
  x.closed();
}
