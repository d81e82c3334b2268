/**
 * The one error type of the gateway. Shaped after jose's and node-oidc-provider's error bases:
 * a stable `code` (ERR_<AREA>_<REASON>), the HTTP status the client sees, the OpenAI error
 * `type`, and whether the message may be shown to the client (`expose`, true below 500).
 * A 5xx never leaks its internal message: the error handler replaces it with a generic one.
 */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'request_too_large'
  | 'api_error'
  | 'service_unavailable'
  | 'timeout_error';

export interface GatehouseErrorOptions {
  type?: OpenAiErrorType;
  cause?: unknown;
  /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
  headers?: Record<string, string>;
  /** Machine-readable details kept for the audit record (never secrets). */
  details?: Record<string, unknown>;
}

const typeByStatus: Record<number, OpenAiErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  502: 'api_error',
  503: 'service_unavailable',
  504: 'timeout_error',
};

export class GatehouseError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly expose: boolean;
  readonly headers: Record<string, string>;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, options: GatehouseErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'GatehouseError';
    this.status = status;
    this.code = code;
    this.type = options.type ?? typeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    this.expose = status < 500;
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }
}

/** The OpenAI error body. SDKs read `error.message`, `error.type` and `error.code`. */
export function errorBody(err: GatehouseError, requestId: string): string {
  const message = err.expose ? err.message : `The gateway could not complete the request (request id ${requestId}).`;
  return JSON.stringify({ error: { message, type: err.type, code: err.code, param: null } });
}

/** Turns anything thrown into a GatehouseError; unknown errors become a 500 that hides its message. */
export function asGatehouseError(err: unknown): GatehouseError {
  if (err instanceof GatehouseError) return err;
  return new GatehouseError(500, 'ERR_INTERNAL', 'internal error', { cause: err });
}
