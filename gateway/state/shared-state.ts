import { join } from 'node:path';
import type { LoadedConfig } from '../config/load-config';
import { readSecret, SecretError } from '../config/secrets';
import type { Logger } from '../log';
import type { ApprovalStore } from './approval-store';
import type { CounterStore } from './counter-store';
import type { EventFanout } from './event-fanout';
import type { GrantStore } from './grant-store';
import { FleetSignal } from './fleet-signal';
import { FileWebhookQueue } from './file-webhook-queue';
import { PostgresWebhookQueue } from './postgres-webhook-queue';
import type { WebhookQueueStore } from './webhook-queue-store';
import { PgListener } from './pg-listener';
import { postgresAlertClaims } from './postgres-alert-claims';
import { PostgresApprovalStore } from './postgres-approval-store';
import { PostgresEventFanout, type EventNotices } from './postgres-event-fanout';
import { PostgresGrantStore } from './postgres-grant-store';
import { InstanceRegistry, type InstanceReport, type RegisteredInstance } from './instance-registry';
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
  /** The fleet's approvals, grants and event fan-out (absent when embedded: each owner's in-memory default). */
  approvals?: ApprovalStore;
  grants?: GrantStore;
  fanout?: EventFanout;
  /**
   * How the fleet's audit index announces its records (`audit.appended`) to the other instances,
   * with the insert that indexes them (absent when embedded; the fan-out no longer sends them).
   */
  auditNotices?: EventNotices;
  /** The alert webhooks' retry queue: a file in the data dir, or the fleet's table (any instance delivers). */
  webhookQueue: WebhookQueueStore;
  /** How often an idle instance looks at a shared webhook queue for what it was not told of (absent: not shared). */
  webhookQueuePollMs?: number;
  /** Claims an alert's firing for the fleet (absent when embedded: this instance fires alone). */
  alertClaims?: (key: string, atMs: number, untilMs: number) => Promise<boolean>;
  /** Asks the other instances to reload their policy (POST /admin/policy/reload {"fleet": true}). */
  askFleetToReload(): Promise<void>;
  /** Runs `reload` when another instance asks (nothing ever asks an embedded gateway). */
  onReloadAsked(reload: () => void): void;
  /** Lease of a concurrency slot in a shared store. */
  leaseMs: number;
  /** The fleet's PostgreSQL (state.store: postgres, or counters there). */
  postgres?: PostgresState;
  /**
   * Registers this instance in the fleet; `report` is read with every heartbeat (policy version,
   * readiness) and told of starts, stops and instances gone; `onGone` deals with what an instance
   * that stopped without saying so held (its approvals).
   */
  start(report: InstanceReport, onGone: (instance: string) => Promise<void>): Promise<void>;
  /** This instance reloaded its policy: the fleet's table says so now, and the fleet hears of it (instance.changed). */
  policyChanged(): Promise<void>;
  /** This instance's readiness may have changed (its audit log failed or recovered): likewise, if it did. Shared stores going down or up call it themselves. */
  readinessChanged(): Promise<void>;
  /** The fleet's instances (embedded: this one), for GET /admin/instances. */
  listInstances(): Promise<RegisteredInstance[]>;
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
  let fleet: Pick<SharedState, 'approvals' | 'grants' | 'fanout' | 'auditNotices' | 'alertClaims'> = {};
  let reloadSignal: FleetSignal | undefined;
  let listener: PgListener | undefined;
  let webhookQueue: WebhookQueueStore;
  try {
    if (settings.store === 'postgres' || settings.counters === 'postgres') {
      postgres = await PostgresState.open({ url: secret(config.state!.postgres!.url, '/state/url'), schema: settings.schema, poolSize: settings.poolSize, connectTimeoutMs: settings.connectTimeoutMs }, log, { migrateFirst: options.migrate });
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
    if (settings.store === 'postgres') {
      // One LISTEN connection per instance carries decisions and events from the others.
      listener = new PgListener(secret(config.state!.postgres!.url, '/state/url'), log);
      closers.unshift(() => listener!.close());
      const fanout = await PostgresEventFanout.open(postgres!, listener);
      fleet = {
        approvals: await PostgresApprovalStore.open(postgres!, listener),
        grants: new PostgresGrantStore(postgres!),
        fanout,
        // A record's event rides with its index entry (services.ts runs the index whenever this fan-out is open).
        auditNotices: fanout.carry('audit.appended'),
        alertClaims: postgresAlertClaims(postgres!, instance.id),
      };
      reloadSignal = await FleetSignal.open(postgres!, listener, 'reload');
    }
    webhookQueue = listener ? await PostgresWebhookQueue.open(postgres!, listener, instance.id) : await FileWebhookQueue.open(join(dataDir, 'webhook-queue.json'), log);
  } catch (err) {
    for (const close of closers) await close();
    throw err;
  }
  const startedAt = new Date().toISOString();
  let self: InstanceReport | undefined;
  const registry = settings.store === 'postgres' ? new InstanceRegistry(postgres!, instance.id, instance.name, log, settings.instanceTimeoutMs) : undefined;
  const readinessChanged = async () => registry?.reportReadiness();
  for (const h of healths) h.onChange(() => void readinessChanged().catch(() => undefined));
  if (settings.store !== 'embedded' || settings.counters !== 'embedded') log.info('shared state', { store: settings.store, counters: settings.counters, instance: instance.id, name: instance.name });
  return {
    instance,
    store: settings.store,
    counters,
    ...fleet,
    leaseMs: settings.leaseMs,
    webhookQueue,
    ...(settings.store === 'postgres' ? { webhookQueuePollMs: settings.webhookQueuePollMs } : {}),
    ...(postgres ? { postgres } : {}),
    async start(report, onGone) {
      self = report;
      await registry?.start(report, onGone);
    },
    policyChanged: async () => registry?.reportPolicy(),
    readinessChanged,
    async listInstances() {
      if (registry) return registry.list();
      const notReady = self?.notReady() ?? [];
      const now = new Date().toISOString();
      return [{ ...instance, state: 'running', policyVersion: self?.policyVersion() ?? '', startedAt, lastSeen: now, ready: notReady.length === 0, notReady }];
    },
    askFleetToReload: async () => reloadSignal?.send(),
    onReloadAsked: (reload) => reloadSignal?.on(reload),
    notReady: () => healths.filter((h) => !h.available).map((h) => `shared state unavailable (${h.store}: ${h.problem})`),
    async close() {
      await registry?.stop();
      await counters.close();
      await Promise.all([fleet.approvals?.close(), fleet.grants?.close(), fleet.fanout?.close(), webhookQueue.close()]);
      for (const close of closers) await close();
    },
  };
}
