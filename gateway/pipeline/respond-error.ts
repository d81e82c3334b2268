import { errorBody, type GatehouseError } from '../errors';
import type { HttpExchange } from './http-exchange';

/**
 * Sends the OpenAI error shape, or — when the response has already started — ends it abruptly,
 * so the client sees a broken stream and never a fake clean end.
 */
export function respondError(x: HttpExchange, err: GatehouseError): void {
  x.outcome.status = err.status;
  x.outcome.errorCode = err.code;
  if (Object.keys(err.details).length) x.outcome.errorDetails = err.details;
  const { res } = x;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed) return;
  const body = errorBody(err, x.id);
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': x.id,
  });
  res.end(body);
  x.outcome.responseBytes = Buffer.byteLength(body);
}
