import type { ServerResponse } from 'node:http';
import { errorBody, type GatehouseError } from '../errors';
import type { EndpointKind } from '../core/types';

/**
 * Ends an SSE response that already answered 200 with an error event, because its status
 * can no longer change. The OpenAI SDKs turn `event: error` with `{"error":{...}}` into an
 * APIError carrying the same `code`; the Anthropic SDKs read `{"type":"error","error":{type,message}}`.
 *
 * Used when a held streaming request is denied or times out after its headers went out, and by
 * any later stage that fails once headers are sent (check `res.headersSent`).
 */
export function endSseWithError(res: ServerResponse, err: GatehouseError, requestId: string, endpoint?: EndpointKind): void {
  if (res.writableEnded || res.destroyed) return;
  const data =
    endpoint === 'messages'
      ? JSON.stringify({ type: 'error', error: { type: err.type, message: JSON.parse(errorBody(err, requestId)).error.message } })
      : errorBody(err, requestId);
  res.end(`event: error\ndata: ${data}\n\n`);
}

export const heldStreamHeader = 'x-gatehouse-approval-id';

/**
 * Answers 200 with SSE headers at once, before the outcome is known (held streaming requests).
 * The headers are set (not passed to writeHead) so later stages can tell an open held stream
 * by `isHeldStream(res)`.
 */
export function openHeldStream(res: ServerResponse, approvalId: string, firstComment: string, requestId: string): void {
  res.setHeader('content-type', 'text/event-stream; charset=utf-8');
  // Like every answer: the id that finds the request's records (and its trace).
  res.setHeader('x-request-id', requestId);
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no');
  res.setHeader(heldStreamHeader, approvalId);
  res.writeHead(200);
  res.write(`: ${firstComment}\n\n`);
}

/** Whether this response is an SSE stream a held request opened before its upstream answered. */
export function isHeldStream(res: ServerResponse): boolean {
  return res.headersSent && res.hasHeader(heldStreamHeader);
}
