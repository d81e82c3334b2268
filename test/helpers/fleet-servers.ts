/**
 * The real servers a fleet test file starts once: PostgreSQL, Redis when the counters live there,
 * a config folder holding the policy, and a fake upstream. `stop()` stops them all (close the
 * fleet first: its instances hold connections to PostgreSQL and Redis).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Spec } from '../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../builders/policy';
import { FakeUpstream } from './fake-upstream';
import { startPostgres, type TestPostgres } from './postgres';
import { startRedis, type TestRedis } from './redis';

export interface FleetServers {
  pg: TestPostgres;
  /** Started only for `counters: 'redis'`. */
  redis?: TestRedis;
  /** The config folder; the policy is `<dir>/<policyFile>`. */
  dir: string;
  policyPath: string;
  upstream: FakeUpstream;
  stop(): Promise<void>;
}

/** `pgSettings`: more PostgreSQL server settings (e.g. pg_stat_statements preloaded, to count statements). */
export async function startFleetServers(options: { spec: Spec; counters?: 'postgres' | 'redis'; policyFile?: string; pgSettings?: Record<string, string> }): Promise<FleetServers> {
  const pg = await startPostgres({ serverSettings: options.pgSettings });
  const redis = options.counters === 'redis' ? await startRedis() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-'));
  const policyPath = join(dir, options.policyFile ?? 'team.policy.yaml');
  writeFileSync(policyPath, policyYaml(options.spec));
  const upstream = await new FakeUpstream().start();
  return {
    pg, redis, dir, policyPath, upstream,
    async stop() {
      await upstream.stop();
      await redis?.stop();
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
