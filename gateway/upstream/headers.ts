import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { compileGlobs } from '../core/glob';
import type { CompiledUpstream } from './upstream-table';

/**
 * The caller's headers an upstream receives by default: content negotiation, the SDKs' own
 * (x-stainless-* telemetry, idempotency keys, W3C trace context) and the provider headers that
 * select an API version or feature, not an account: `openai-beta`, `anthropic-version`,
 * `anthropic-beta`. Not `openai-organization` or `openai-project`: with the gateway's key they
 * would let a caller spend another organization's or project's quota (an upstream's
 * `forwardHeaders` can allow them, its `headers` can set them). Not `accept-encoding`: the
 * gateway must read the response (masking, usage, audit), so the upstream answers uncompressed.
 */
export const defaultForwardHeaders: readonly string[] = [
  'accept', 'accept-language', 'content-type', 'user-agent', 'idempotency-key', 'traceparent', 'tracestate',
  'x-stainless-*', 'openai-beta', 'anthropic-version', 'anthropic-beta',
];

/** Which caller headers an upstream receives: the defaults and its `forwardHeaders` (globs, any case). */
export function compileForwardHeaders(extra: readonly string[] = []): (name: string) => boolean {
  return compileGlobs([...defaultForwardHeaders, ...extra.map((name) => name.toLowerCase())]);
}

/** RFC 9110 §7.6.1 hop-by-hop headers, plus the legacy ones proxies still see. */
const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/** The caller's credentials: they prove identity to the gateway and must never reach the provider. */
const callerCredentials = new Set(['authorization', 'x-api-key', 'api-key', 'cookie']);

/**
 * Headers the gateway computes itself for the forwarded request, and the caller's claims about
 * client addresses (the gateway sets X-Forwarded-For from what it believes: core/client-address.ts).
 */
const recomputed = new Set(['host', 'content-length', 'expect', 'x-request-id', 'x-forwarded-for', 'forwarded', 'x-real-ip']);

/** Names listed in a Connection header are hop-by-hop for this message too. */
function connectionNamed(connection: string | string[] | undefined): Set<string> | undefined {
  if (!connection) return undefined;
  const names = new Set<string>();
  for (const part of String(connection).split(',')) {
    const name = part.trim().toLowerCase();
    if (name) names.add(name);
  }
  return names;
}

/**
 * Headers for the upstream request: the client's headers the upstream allows (`forwardsHeader`),
 * never hop-by-hop ones (including every header named in Connection), the caller's credentials
 * or claims about addresses; then X-Forwarded-For with the client's address, the upstream's
 * fixed headers and its credential. Values are strings (what undici accepts). The credential is
 * set last, so no client header — not even `Connection: authorization` — can remove or replace it.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  upstream: CompiledUpstream,
  requestId: string,
  bodyLength: number | undefined,
  clientAddress: string | undefined,
  traceparent?: string,
): IncomingHttpHeaders {
  const named = connectionNamed(incoming.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in incoming) {
    if (!upstream.forwardsHeader(name) || hopByHop.has(name) || callerCredentials.has(name) || recomputed.has(name) || named?.has(name)) continue;
    out[name] = incoming[name];
  }
  out.host = upstream.host;
  // A streamed body (bodyLength undefined) goes chunked: the HTTP client frames it and refuses a Transfer-Encoding header.
  if (bodyLength !== undefined) out['content-length'] = String(bodyLength);
  out['x-request-id'] = requestId;
  if (clientAddress !== undefined) out['x-forwarded-for'] = clientAddress;
  // Tracing on: the upstream call is a child of the gateway's span (W3C Trace Context); tracestate passes as sent.
  if (traceparent !== undefined) out.traceparent = traceparent;
  for (const [name, value] of upstream.extraHeaders) out[name] = value;
  if (upstream.credential) out[upstream.credential[0]] = upstream.credential[1];
  return out;
}

/** Headers for the client's response: the upstream's end-to-end headers and our request id. */
export function clientResponseHeaders(incoming: IncomingHttpHeaders, requestId: string, bodyRewritten: boolean): OutgoingHttpHeaders {
  const named = connectionNamed(incoming.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (hopByHop.has(name) || named?.has(name)) continue;
    if (bodyRewritten && (name === 'content-length' || name === 'content-md5' || name === 'etag')) continue;
    out[name] = incoming[name];
  }
  out['x-request-id'] = requestId;
  return out;
}
