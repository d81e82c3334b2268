import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { configValidator } from '../../../gateway/config/config-schema';
import { EventBus } from '../../../gateway/events';
import type { GatehouseConfig } from '../../../gateway/generated/gatehouse.config';
import { createLogger } from '../../../gateway/log';
import { buildPipeline } from '../../../gateway/pipeline';
import { evaluatePolicy } from '../../../gateway/pipeline/evaluate-policy';
import type { Stage } from '../../../gateway/pipeline/exchange';
import type { Runtime } from '../../../gateway/runtime';
import { createDataApp } from '../../../gateway/server/data-app';
import { createMetrics } from '../../../gateway/server/metrics';
import { createServices } from '../../../gateway/server/services';
import { compileUpstreams } from '../../../gateway/upstream/upstream-table';

/**
 * A gateway assembled from the real pieces (config schema, createServices with the real policy
 * service, the lead's pipeline, the data app, real HTTP on 127.0.0.1:0), with the policy stage
 * inserted where it belongs: after routing, before forwarding. Until the identity stage lands on
 * main, the principal comes from rt.identity.verify (the foundation's stub) in a one-line stage;
 * once buildPipeline lists verifyIdentity and evaluatePolicy, this helper becomes startGateway().
 */
export async function startPolicyGateway(config: GatehouseConfig, configDir: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-it-'));
  const full: GatehouseConfig = { ...config, server: { ...config.server, dataDir } };
  const validate = configValidator();
  if (!validate(full)) throw new Error(`test config invalid: ${JSON.stringify(validate.errors)}`);
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => logLines.push(l) });
  const events = new EventBus();
  const services = await createServices({ config: full, configDir, dataDir }, log, events);
  const runtime: Runtime = { config: full, dataDir, configDir, log, events, ...services.runtime };
  const upstreams = compileUpstreams(full.upstreams ?? [], configDir, (u) => u.url!);
  const metrics = createMetrics();
  const identify: Stage = (x) => {
    const p = runtime.identity.verify(x.req.headers.authorization);
    if (p instanceof Promise) return p.then((v) => void (x.principal = v));
    x.principal = p;
  };
  const stages = buildPipeline(runtime, { upstreams, metrics });
  stages.splice(stages.length - 1, 0, identify, evaluatePolicy(runtime));
  const server = createServer(createDataApp(runtime, stages, metrics));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, runtime, events, logLines,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      upstreams.close();
      await services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
