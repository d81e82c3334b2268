import type { LoadedConfig } from '../config/load-config';
import { readSecret, SecretError } from '../config/secrets';
import type { Logger } from '../log';
import type { CounterStore } from './counter-store';
import { InstanceRegistry } from './instance-registry';
import { instanceId } from './instance-id';
import { MemoryCounterStore } from './memory-counter-store';
import { PostgresCounterStore } from './postgres-counter-store';
import { PostgresState } from './postgres-state';
import { RedisCounterStore } from './redis-counter-store';
import { StateConfigError } from './state-errors';
import type { StateHealth } from './state-health';
import { stateConfigProblems, stateSettings } from './state-settings';

/** The state a gateway shares with its fleet (or keeps to itself when embedded). */
export interface SharedState {
  instance: { id: string; name: string };
  /** Where approvals, grants, events and the audit index live. */
  store: 'embedded' | 'postgres';
  counters: CounterStore;
  /** Lease of a concurrency slot in a shared store. */
  leaseMs: number;
  /** The fleet's PostgreSQL (state.store: postgres, or counters there). */
  postgres?: PostgresState;
  /** Registers this instance in the fleet; `policyVersion` is reported with every heartbeat. */
  start(policyVersion: () => string): Promise<void>;
  /** Shared stores that do not answer right now (for /readyz). */
  notReady(): string[];
  close(): Promise<void>;
}

/**
 * Opens what `state:` names. PostgreSQL or Redis unreachable, or the schema not migrated, throws
 * StateStartError (`serve` exits 2 with the reason); `migrate` migrates the schema first
 * (`serve --migrate`).
 */
export async function openSharedState(loaded: LoadedConfig, log: Logger, options: { migrate?: boolean } = {}): Promise<SharedState> {
  const { config, configDir, dataDir } = loaded;
  const [problem] = stateConfigProblems(config);
  if (problem) throw new StateConfigError(problem.message, problem.pointer);
  const settings = stateSettings(config);
  const instance = { id: instanceId(dataDir), name: settings.instanceName };
  const secret = (ref: Parameters<typeof readSecret>[0], pointer: string) => {
    try {
      return readSecret(ref, configDir);
    } catch (err) {
      throw err instanceof SecretError ? new SecretError(err.message, pointer) : err;
    }
  };

  const healths: StateHealth[] = [];
  const closers: (() => Promise<void>)[] = [];
  let postgres: PostgresState | undefined;
  let counters: CounterStore;
  try {
    if (settings.store === 'postgres' || settings.counters === 'postgres') {
      postgres = await PostgresState.open({ url: secret(config.state!.postgres!.url, '/state/postgres/url'), schema: settings.schema, poolSize: settings.poolSize, connectTimeoutMs: settings.connectTimeoutMs }, log, { migrateFirst: options.migrate });
      healths.push(postgres.health);
      closers.push(() => postgres!.close());
    }
    if (settings.counters === 'redis') {
      const redis = await RedisCounterStore.open(secret(config.state!.redis!.url, '/state/redis/url'), { keyPrefix: settings.redisKeyPrefix, leaseMs: settings.leaseMs, log });
      healths.push(redis.health);
      counters = redis;
    } else if (settings.counters === 'postgres') {
      counters = new PostgresCounterStore(postgres!, settings.leaseMs, log);
    } else {
      counters = new MemoryCounterStore();
    }
  } catch (err) {
    for (const close of closers) await close();
    throw err;
  }
  const registry = settings.store === 'postgres' ? new InstanceRegistry(postgres!, instance.id, instance.name, log) : undefined;
  if (settings.store !== 'embedded' || settings.counters !== 'embedded') log.info('shared state', { store: settings.store, counters: settings.counters, instance: instance.id, name: instance.name });
  return {
    instance,
    store: settings.store,
    counters,
    leaseMs: settings.leaseMs,
    ...(postgres ? { postgres } : {}),
    start: async (policyVersion) => registry?.start(policyVersion),
    notReady: () => healths.filter((h) => !h.available).map((h) => `shared state unavailable (${h.store}: ${h.problem})`),
    async close() {
      await registry?.stop();
      await counters.close();
      for (const close of closers) await close();
    },
  };
}
