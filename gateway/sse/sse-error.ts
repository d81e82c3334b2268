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

/** Answers 200 with SSE headers at once, before the outcome is known (held streaming requests). */
export function openSse(res: ServerResponse, headers: Record<string, string>, firstComment: string): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    ...headers,
  });
  res.write(`: ${firstComment}\n\n`);
}
