import type { Socket } from 'node:net';
import { newId } from '../new-id';
import { GatehouseError, errorBody } from '../errors';
import type { Logger } from '../log';

/**
 * Requests the HTTP parser refuses before they reach the pipeline: obsolete header folding,
 * Content-Length together with Transfer-Encoding (request smuggling), malformed request lines,
 * oversized headers. They get the OpenAI error shape and the connection is closed, since the
 * byte stream can no longer be trusted to be framed right. The answer goes out once `record`
 * (the audit) resolves; when it rejects, the answer is 503 instead (fail closed).
 */
export function handleClientError(log: Logger, record: (rejection: { requestId: string; status: number; errorCode: string; source?: string }) => Promise<void>) {
  return (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void => {
    if (!socket.writable || (err.code as string) === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const requestId = newId();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const code = status === 431 ? 'ERR_REQUEST_HEADERS_TOO_LARGE' : status === 408 ? 'ERR_REQUEST_TIMEOUT' : 'ERR_REQUEST_MALFORMED';
    const message = status === 400 ? `The request is not valid HTTP/1.1 (${describeParserError(err.code)}).` : status === 431 ? 'The request headers are too large.' : 'The request took too long to arrive.';
    log.warn('malformed request refused', { requestId, code, parser: err.code });
    const answer = (error: GatehouseError) => {
      if (!socket.writable) return socket.destroy();
      const body = errorBody(error, requestId);
      socket.end(
        `HTTP/1.1 ${error.status} ${reasons[error.status] ?? 'Error'}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    record({ requestId, status, errorCode: code, source: socket.remoteAddress }).then(
      () => answer(new GatehouseError(status, code, message)),
      (auditErr: unknown) => answer(auditErr instanceof GatehouseError ? auditErr : new GatehouseError(503, 'ERR_AUDIT_UNAVAILABLE', 'The audit log cannot be written.')),
    );
  };
}

const reasons: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large', 503: 'Service Unavailable' };

function describeParserError(code: string | undefined): string {
  switch (code) {
    case 'HPE_INVALID_HEADER_TOKEN': return 'invalid header, e.g. obsolete line folding';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH': return 'Content-Length together with Transfer-Encoding';
    case 'HPE_INVALID_TRANSFER_ENCODING': return 'invalid Transfer-Encoding';
    case 'HPE_INVALID_CONTENT_LENGTH': return 'invalid Content-Length';
    default: return code ?? 'parse error';
  }
}
