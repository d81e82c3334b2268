/**
 * A fleet for tests: N real gateways in this process sharing one PostgreSQL schema (and, when
 * asked, Redis counters), trusting one OIDC issuer (a JWKS server and a signing key, so a token
 * works on every instance), behind an alternating load balancer.
 */
import type { GatehouseConfig } from '../../gateway/generated/gatehouse.config';
import { startGateway, type TestGateway } from './gateway';
import { startJwksServer, type JwksServer } from './jwks-server';
import type { TestPostgres } from './postgres';
import { startRoundRobin, type RoundRobin } from './round-robin';
import { generateTestKey, tokenBuilder } from './token-builder';

const issuer = 'https://idp.fleet.test';
const audience = 'gatehouse';

export interface TestFleet {
  gateways: TestGateway[];
  lb: RoundRobin;
  /** The schema the fleet's state lives in. */
  schema: string;
  /** A token for `sub` (with `groups`), accepted by every instance. */
  token(sub?: string, groups?: string[]): string;
  /** The config of one more instance of this fleet (e.g. for a `gatehouse serve` process). */
  instanceConfig(name: string): GatehouseConfig;
  close(): Promise<void>;
}

/** Environment variables the fleet's secretRefs name (in-process gateways read process.env). */
export const fleetEnv = { pgUrl: 'GATEHOUSE_TEST_PG_URL', redisUrl: 'GATEHOUSE_TEST_REDIS_URL', hashKey: 'GATEHOUSE_TEST_HASH_KEY' } as const;

export async function startFleet(pg: TestPostgres, config: GatehouseConfig, options: { instances?: number; configDir?: string; state?: GatehouseConfig['state']; redisUrl?: string } = {}): Promise<TestFleet> {
  const key = generateTestKey('ES256', 'fleet-1');
  const jwks: JwksServer = await startJwksServer([key.publicJwk]);
  process.env[fleetEnv.pgUrl] = pg.url;
  process.env[fleetEnv.hashKey] = 'fleet-test-hash-key-0123456789abcdef';
  if (options.redisUrl) process.env[fleetEnv.redisUrl] = options.redisUrl;
  const schema = pg.freshSchema();
  const gateways: TestGateway[] = [];
  try {
    for (let i = 0; i < (options.instances ?? 2); i++) {
      gateways.push(await startGateway(fleetConfig(config, schema, jwks.url, `gw-${String.fromCharCode(97 + i)}`, options.state), { configDir: options.configDir, migrate: i === 0 }));
    }
  } catch (err) {
    await Promise.all(gateways.map((g) => g.close()));
    await jwks.close();
    throw err;
  }
  const lb = await startRoundRobin(gateways.map((g) => g.dataUrl));
  return {
    gateways,
    lb,
    schema,
    token: (sub = 'ci-bot', groups?: string[]) => tokenBuilder({ key, issuer, audience, typ: 'JWT' }).claims({ sub, ...(groups ? { groups } : {}) }).lifetime(600).build(),
    instanceConfig: (name) => fleetConfig(config, schema, jwks.url, name, options.state),
    async close() {
      await lb.close();
      await Promise.all(gateways.map((g) => g.close()));
      await jwks.close();
    },
  };
}

/** One instance's config: the test's, plus the shared state, the shared issuer and the hash key. */
export function fleetConfig(config: GatehouseConfig, schema: string, jwksUri: string, name: string, state: GatehouseConfig['state'] = {}): GatehouseConfig {
  return {
    ...config,
    server: { ...config.server, instance: { name } },
    identity: { devIssuer: { enabled: false }, issuers: [{ issuer, audience, jwksUri, maxTokenLifetimeSeconds: 3600 }] },
    masking: { ...config.masking, hashKey: { env: fleetEnv.hashKey } },
    state: {
      store: 'postgres',
      postgres: { url: { env: fleetEnv.pgUrl }, schema, connectTimeoutMs: 1000 },
      ...state,
      ...(state.counters === 'redis' ? { redis: { url: { env: fleetEnv.redisUrl }, keyPrefix: `${schema}:` } } : {}),
    },
  };
}

/** Resolves once the instance's /readyz answers 200 again (after an outage), within `ms`. */
export async function untilReady(g: { adminUrl: string }, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await fetch(`${g.adminUrl}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${g.adminUrl}/readyz did not recover within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
