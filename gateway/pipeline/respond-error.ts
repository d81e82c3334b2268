import { errorBody, type GatehouseError } from '../errors';
import { lingerClose } from './linger-close';
import { endSseWithError, isHeldStream } from '../sse/sse-error';
import type { HttpExchange } from './http-exchange';

/**
 * Notes the error in the exchange's outcome, as the client will get it (status, code, the body's
 * size when a JSON error body is still possible): the audit records this before `respondError`
 * sends anything.
 */
export function noteErrorOutcome(x: HttpExchange, err: GatehouseError): void {
  x.outcome.status = err.status;
  x.outcome.errorCode = err.code;
  x.outcome.errorDetails = Object.keys(err.details).length ? err.details : undefined;
  if (!x.res.headersSent) x.outcome.responseBytes = Buffer.byteLength(errorBody(err, x.id));
}

/**
 * Sends the OpenAI error shape, or — when the response has already started — ends it abruptly,
 * so the client sees a broken stream and never a fake clean end. A held streaming request's SSE
 * response (opened while it waited for approval) gets an SSE error event instead while no upstream
 * byte went out. Call `noteErrorOutcome` first.
 */
export function respondError(x: HttpExchange, err: GatehouseError): void {
  const { res } = x;
  if (res.headersSent) {
    // Already ended on purpose (a held stream's denial or timeout event): nothing to add.
    if (res.writableEnded) return;
    // A held stream that got no upstream bytes yet can still carry a clean error event.
    if (isHeldStream(res) && x.outcome.responseBytes === 0) return endSseWithError(res, err, x.id, x.request?.endpoint);
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  const body = errorBody(err, x.id);
  // Answered before the body was read (413): close without a reset, so the client gets the answer.
  if (err.headers.connection === 'close') lingerClose(x.req);
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': x.id,
  });
  res.end(body);
}
