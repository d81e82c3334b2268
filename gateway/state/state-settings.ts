import { hostname } from 'node:os';
import type { GatehouseConfig } from '../generated/gatehouse.config';

/**
 * The state settings with their defaults applied (README "Shared state"): where the store is,
 * where the counters are (default: with the store), the lease of a concurrency slot.
 */
export function stateSettings(config: GatehouseConfig) {
  const state = config.state ?? {};
  const store = state.store ?? 'embedded';
  return {
    store,
    counters: state.counters ?? (store === 'postgres' ? 'postgres' : 'embedded'),
    schema: state.postgres?.schema ?? 'gatehouse',
    poolSize: state.postgres?.poolSize ?? 10,
    connectTimeoutMs: state.postgres?.connectTimeoutMs ?? 2000,
    redisKeyPrefix: state.redis?.keyPrefix ?? 'gatehouse:',
    leaseMs: (state.leaseSeconds ?? 30) * 1000,
    instanceTimeoutMs: (state.instanceTimeoutSeconds ?? 15) * 1000,
    webhookQueuePollMs: (state.webhookQueuePollSeconds ?? 5) * 1000,
    instanceName: config.server?.instance?.name ?? hostname(),
  } as const;
}

/**
 * What the state section asks for that the rest of the config does not give, as JSON pointers
 * with a message (config load turns them into file:line:col diagnostics).
 */
export function stateConfigProblems(config: GatehouseConfig): { pointer: string; message: string }[] {
  const state = config.state;
  if (!state) return [];
  const { store, counters } = stateSettings(config);
  const problems: { pointer: string; message: string }[] = [];
  const usesPostgres = store === 'postgres' || counters === 'postgres';
  if (usesPostgres && !state.postgres) problems.push({ pointer: '/state', message: 'PostgreSQL is used (state.store or state.counters) but state.postgres.url is not set' });
  if (counters === 'redis' && !state.redis) problems.push({ pointer: '/state/counters', message: 'state.counters is redis but state.redis.url is not set' });
  if (store === 'postgres' && !config.masking?.hashKey) {
    problems.push({ pointer: '/state/store', message: 'state.store postgres needs masking.hashKey (a secretRef): without it each instance hashes masked values with its own random key, so they do not correlate across the fleet' });
  }
  return problems;
}
