import type { Audit, GatehouseConfig } from '../generated/gatehouse.config';

/**
 * The embedded default: what `gatehouse serve` runs with no config file. Loopback only, the
 * built-in development token issuer (no identity provider needed) and the built-in demo model
 * (an echo server, so a new user sees an answer without a model server).
 */
export const embeddedDefaultConfig: GatehouseConfig = {
  server: { dataDir: './.gatehouse' },
  upstreams: [{ name: 'demo', demo: true }],
};

export const serverDefaults = {
  listen: { host: '127.0.0.1', port: 8787 },
  admin: { host: '127.0.0.1', port: 8788 },
  dataDir: './.gatehouse',
  maxBodyBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  requestTimeoutMs: 30_000,
} as const;

export const upstreamDefaults = {
  pathPrefix: '/',
  timeoutMs: 60_000,
  connectTimeoutMs: 5_000,
  maxSockets: 256,
} as const;

export const auditDefaults = {
  /** The most of a (masked) body a record stores: audit.maxBodyBytes. */
  maxBodyBytes: 65_536,
} as const;

/** The most of a body a record stores, as configured: read by the writer and by masking (which cuts its audit copy there). */
export function recordBodyBytes(audit: Audit | undefined): number {
  return audit?.maxBodyBytes ?? auditDefaults.maxBodyBytes;
}
