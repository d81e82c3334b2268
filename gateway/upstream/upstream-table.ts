import { Pool } from 'undici';
import { compileGlobs } from '../core/glob';
import { checkRequestTarget, withinPrefix } from '../core/request-target';
import { upstreamDefaults } from '../config/defaults';
import { SecretError, readSecret } from '../config/secrets';
import type { Upstream } from '../generated/gatehouse.config';
import { compileForwardHeaders } from './headers';

/** One upstream, compiled at start-up: parsed URL, keep-alive pool, credential header ready to set. */
export interface CompiledUpstream {
  readonly name: string;
  readonly https: boolean;
  readonly hostname: string;
  readonly port: number;
  /** Value for the Host header. */
  readonly host: string;
  /** Path of the upstream URL, prepended to the client's path ('' for none). Nothing forwarded leaves it. */
  readonly basePath: string;
  /** Matched by whole segments, in the normal form of core/request-target.ts. */
  readonly pathPrefix: string;
  readonly stripPrefix: boolean;
  readonly matchesModel: (model: string | undefined) => boolean;
  /** Model globs were configured: routing must wait for the body to know the model. */
  readonly routesByModel: boolean;
  /** undici keep-alive pool to the upstream's origin (one request per connection at a time). */
  readonly pool: Pool;
  /** Injected credential as [header, value]; undefined for an upstream that needs none (local vLLM/Ollama). */
  readonly credential?: readonly [string, string];
  readonly extraHeaders: readonly (readonly [string, string])[];
  /** Whether a caller header (lower-case name) may reach this upstream: headers.ts's defaults and `forwardHeaders`. */
  readonly forwardsHeader: (name: string) => boolean;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
}

export interface UpstreamTable {
  readonly upstreams: readonly CompiledUpstream[];
  /** First upstream whose prefix matches and, when known, whose models match. */
  select(path: string, model: string | undefined): CompiledUpstream | undefined;
  close(): void;
}

/** `resolveUrl` maps a `demo: true` upstream to the address of the demo server started for it. */
export function compileUpstreams(list: Upstream[], configDir: string, resolveUrl: (u: Upstream) => string): UpstreamTable {
  const upstreams = list.map((u, i) => {
    try {
      return compileUpstream(u, configDir, resolveUrl(u));
    } catch (err) {
      // Name the config node, so `serve` (and the extension's toast) can point at the line.
      if (err instanceof SecretError) throw new SecretError(err.message, `/upstreams/${i}/auth/secret`);
      throw err;
    }
  });
  return {
    upstreams,
    select(path, model) {
      for (const u of upstreams) {
        if (!withinPrefix(path, u.pathPrefix)) continue;
        if (model !== undefined && !u.matchesModel(model)) continue;
        return u;
      }
      return undefined;
    },
    close() {
      for (const u of upstreams) u.pool.destroy().catch(() => undefined);
    },
  };
}

function compileUpstream(u: Upstream, configDir: string, rawUrl: string): CompiledUpstream {
  const url = new URL(rawUrl);
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') throw new Error(`upstream ${u.name}: unsupported URL scheme ${url.protocol}`);
  const maxSockets = u.maxSockets ?? upstreamDefaults.maxSockets;
  const connectTimeoutMs = u.connectTimeoutMs ?? upstreamDefaults.connectTimeoutMs;
  // Keep-alive pool: the cost of a TCP (and TLS) handshake per request would dominate the proxy's own.
  // undici rather than http.request + Agent: the client half of node:http was ≈ a quarter of the proxy's CPU.
  // No body timeout: an SSE stream may idle between events for as long as the model thinks.
  const pool = new Pool(url.origin, { connections: maxSockets, pipelining: 1, keepAliveTimeout: 10_000, connectTimeout: connectTimeoutMs, bodyTimeout: 0 });
  return {
    name: u.name,
    https,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || (https ? 443 : 80),
    host: url.host,
    basePath: url.pathname.replace(/\/+$/, ''),
    pathPrefix: normalPrefix(u),
    stripPrefix: u.stripPrefix ?? false,
    matchesModel: modelMatcher(u.models),
    routesByModel: Boolean(u.models?.length),
    pool,
    credential: u.auth ? credentialHeader(u, readSecret(u.auth.secret, configDir)) : undefined,
    extraHeaders: Object.entries(u.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const),
    forwardsHeader: compileForwardHeaders(u.forwardHeaders),
    timeoutMs: u.timeoutMs ?? upstreamDefaults.timeoutMs,
    connectTimeoutMs,
  };
}

/** The prefix in the same normal form as request paths, so one compares with the other byte for byte. */
function normalPrefix(u: Upstream): string {
  const checked = checkRequestTarget(u.pathPrefix ?? upstreamDefaults.pathPrefix);
  if (!checked.ok || checked.query) throw new Error(`upstream ${u.name}: pathPrefix ${JSON.stringify(u.pathPrefix)} is not a plain path (${checked.ok ? 'a query' : checked.reason})`);
  return checked.path;
}

function credentialHeader(u: Upstream, secret: string): readonly [string, string] {
  const header = (u.auth!.header ?? 'authorization').toLowerCase();
  const scheme = u.auth!.scheme ?? (header === 'authorization' ? 'Bearer' : '');
  return [header, scheme ? `${scheme} ${secret}` : secret];
}

/** No model list: any request, with or without a model. A list: only requests naming a matching model. */
function modelMatcher(models: string[] | undefined): (model: string | undefined) => boolean {
  if (!models?.length) return () => true;
  const matches = compileGlobs(models);
  return (model) => model !== undefined && matches(model);
}
