import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { GatehouseError, errorBody } from '../errors';
import type { Logger } from '../log';

/**
 * Requests the HTTP parser refuses before they reach the pipeline: obsolete header folding,
 * Content-Length together with Transfer-Encoding (request smuggling), malformed request lines,
 * oversized headers. They get the OpenAI error shape and the connection is closed, since the
 * byte stream can no longer be trusted to be framed right.
 */
export function handleClientError(log: Logger, onRejected: (code: string, requestId: string) => void) {
  return (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void => {
    if (!socket.writable || (err.code as string) === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const requestId = randomUUID();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const code = status === 431 ? 'ERR_REQUEST_HEADERS_TOO_LARGE' : status === 408 ? 'ERR_REQUEST_TIMEOUT' : 'ERR_REQUEST_MALFORMED';
    const message = status === 400 ? `The request is not valid HTTP/1.1 (${describeParserError(err.code)}).` : status === 431 ? 'The request headers are too large.' : 'The request took too long to arrive.';
    const body = errorBody(new GatehouseError(status, code, message), requestId);
    log.warn('malformed request refused', { requestId, code, parser: err.code });
    onRejected(code, requestId);
    socket.end(
      `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 431 ? 'Request Header Fields Too Large' : 'Request Timeout'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
}

function describeParserError(code: string | undefined): string {
  switch (code) {
    case 'HPE_INVALID_HEADER_TOKEN': return 'invalid header, e.g. obsolete line folding';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH': return 'Content-Length together with Transfer-Encoding';
    case 'HPE_INVALID_TRANSFER_ENCODING': return 'invalid Transfer-Encoding';
    case 'HPE_INVALID_CONTENT_LENGTH': return 'invalid Content-Length';
    default: return code ?? 'parse error';
  }
}
