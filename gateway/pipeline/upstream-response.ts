import type { IncomingHttpHeaders } from 'node:http';
import type { ExchangeOutcome } from './exchange';

/** The upstream's answer as the forwarder hands it to a relay: status and headers; the body follows through a sink. */
export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /** Restarts a body that a sink paused by returning false from `data`. */
  resume(): void;
}

/** Where the upstream's body goes, chunk by chunk. */
export interface UpstreamBodySink {
  /** Returns false to pause the upstream until `UpstreamResponse.resume()` (backpressure). */
  data(chunk: Buffer): boolean;
  end(): void;
  /** The upstream broke after its headers (reset, or the request was aborted). */
  error(err: Error): void;
}

/** Records an upstream that broke after its headers: the gateway's code, and the upstream's own error for the audit. */
export function noteUpstreamReset(outcome: ExchangeOutcome, err: Error & { code?: string }): void {
  outcome.upstreamError = 'ERR_UPSTREAM_RESET';
  outcome.errorDetails = { ...outcome.errorDetails, upstreamCause: err.code ? `${err.code}: ${err.message}` : err.message };
}

/** undici's raw header list (name, value, name, value…) as node's header object: lower-case names, repeats as arrays. */
export function parseRawHeaders(raw: Buffer[] | string[]): IncomingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (typeof prev === 'string') out[name] = [prev, value];
    else prev.push(value);
  }
  return out;
}
