import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../config/load-config';
import { GatehouseError } from '../errors';
import { serverDefaults } from '../config/defaults';
import { startDemoUpstream } from '../demo/demo-upstream';
import type { Logger } from '../log';
import { buildPipeline } from '../pipeline';
import { startTracing } from '../telemetry/tracing';
import type { Runtime } from '../runtime';
import { compileUpstreams } from '../upstream/upstream-table';
import { createAdminApp } from './admin-app';
import { handleClientError } from './client-error';
import { createDataHandler } from './data-app';
import { lockDataDir, type DataDirLock } from './data-dir-lock';
import { createMetrics, registerServiceGauges } from './metrics';
import { createServices } from './services';
import { passThroughServices } from './pass-through-services';

export interface GatewayHandle {
  /** e.g. http://127.0.0.1:8787 */
  dataUrl: string;
  adminUrl: string;
  runtime: Runtime;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /**
   * Forward only: pass-through services and the forwarding stages alone (no identity, policy,
   * approvals, masking or audit). For benchmarks and debugging; refused on a non-loopback listener.
   */
  proxyOnly?: boolean;
  /** Migrate the fleet's PostgreSQL schema before starting (`serve --migrate`). */
  migrate?: boolean;
}

/**
 * Builds and starts a gateway from a loaded config: services, the pipeline, the data and admin
 * listeners. Reads no argv and no process-wide state beyond the environment named by the config,
 * so tests start as many as they like on port 0.
 */
export async function createGateway(loaded: LoadedConfig, log: Logger, options: GatewayOptions = {}): Promise<GatewayHandle> {
  const { config, dataDir } = loaded;
  if (options.proxyOnly) refuseUnlessLoopback(config.server ?? {});
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // One writer per data dir (a second would fork the audit chain): refuses to start, naming the holder.
  const lock = lockDataDir(dataDir);
  try {
    return await startLocked(loaded, log, options, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function startLocked(loaded: LoadedConfig, log: Logger, options: GatewayOptions, lock: DataDirLock): Promise<GatewayHandle> {
  const { config, dataDir } = loaded;
  const server = config.server ?? {};
  const proxyOnly = options.proxyOnly === true;
  if (lock.takenOver) log.warn('took over the data dir lock of a gateway that is no longer running', { ...lock.takenOver });

  const demos = await Promise.all((config.upstreams ?? []).filter((u) => u.demo).map(async (u) => [u.name, await startDemoUpstream()] as const));
  const demoByName = new Map(demos);
  const upstreams = compileUpstreams(config.upstreams ?? [], loaded.configDir, (u) => u.url ?? demoByName.get(u.name)!.url);

  const metrics = createMetrics();
  const services = await createServices(loaded, log, metrics, { migrate: options.migrate });
  const { events } = services;
  registerServiceGauges(metrics, {
    pendingApprovals: () => services.runtime.approvals.pendingCount,
    sinkLag: () => services.runtime.audit.lag(),
    auditWriter: () => services.runtime.audit.stats(),
  });
  // Built whole and then shadowed, so the admin listener and close() stay the same in both modes.
  const governed = proxyOnly ? passThroughServices() : services.runtime;
  // Off (no telemetry.otlp, or --proxy-only): undefined, and OpenTelemetry is never loaded.
  const tracing = proxyOnly ? undefined : await startTracing(config.telemetry, loaded.configDir);
  const runtime: Runtime = { config, dataDir, configDir: loaded.configDir, log, events, ...governed, ...(tracing ? { tracing } : {}) };
  // Who started, where (the host name is a label here, not the chain id), and whose stale lock it took over.
  await services.runtime.audit.note('start', { host: hostname(), pid: process.pid, staleLock: lock.takenOver });

  const dataHandler = createDataHandler(runtime, buildPipeline(runtime, { upstreams, metrics, proxyOnly, tracing }), metrics);
  const dataServer = createServer(
    { maxHeaderSize: server.maxHeaderBytes ?? serverDefaults.maxHeaderBytes, ...requestTimeouts(server.requestTimeoutMs ?? serverDefaults.requestTimeoutMs), keepAliveTimeout: 65_000 },
    dataHandler,
  );
  // `Expect: 100-continue` requests go through the pipeline too; read-body sends the 100 only for a body it accepts.
  dataServer.on('checkContinue', dataHandler);
  dataServer.on('clientError', handleClientError(log, (rejection) => runtime.audit.rejected(rejection)));
  const adminServer = createServer(createAdminApp(runtime, metrics, services.admin));

  const listen = server.listen ?? {};
  const admin = server.admin ?? {};
  const dataUrl = await listenOn(dataServer, listen.host ?? serverDefaults.listen.host, listen.port ?? serverDefaults.listen.port);
  const adminUrl = await listenOn(adminServer, admin.host ?? serverDefaults.admin.host, admin.port ?? serverDefaults.admin.port);

  return {
    dataUrl,
    adminUrl,
    runtime,
    async close() {
      await Promise.all([closeServer(dataServer), closeServer(adminServer)]);
      upstreams.close();
      await services.close();
      // The spans of the last requests (the data listener is closed: no more come).
      await tracing?.shutdown().catch((err: Error) => log.warn('telemetry: the last spans were not exported', { message: err.message }));
      await Promise.all(demos.map(([, d]) => d.close()));
      lock.release();
    },
  };
}

/**
 * node:http checks its request and headers timeouts only every connectionsCheckingInterval
 * (30 s by default), so a slow client could hold a connection up to twice the timeout (measured:
 * ≈ 48 s for 30 s). Checked every tenth of the timeout (at most every second), with the timeout
 * shortened by two intervals (one for the check's period, one for a busy event loop's lateness), a
 * request that has not fully arrived within `ms` — headers included: slowloris — is closed
 * within `ms`, with a 408.
 */
function requestTimeouts(ms: number): { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number } {
  const interval = Math.max(1, Math.min(1000, Math.floor(ms / 10)));
  const timeout = Math.max(1, ms - 2 * interval);
  return { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: interval };
}

/** An ungoverned proxy must never be reachable from another machine. */
function refuseUnlessLoopback(server: NonNullable<LoadedConfig['config']['server']>): void {
  const loopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');
  for (const host of [server.listen?.host ?? serverDefaults.listen.host, server.admin?.host ?? serverDefaults.admin.host]) {
    if (!loopback(host)) throw new GatehouseError(500, 'ERR_CONFIG_PROXY_ONLY_EXPOSED', `--proxy-only forwards without identity, policy or audit, so it listens on loopback only (not ${host}).`);
  }
}

function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Streams still open (held approvals, SSE) would keep close() waiting forever.
    setImmediate(() => server.closeAllConnections());
  });
}
