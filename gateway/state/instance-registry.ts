import type { Logger } from '../log';
import type { PostgresState } from './postgres-state';

/**
 * Registers this instance in the fleet's `instances` table and keeps its row fresh (last seen,
 * policy version) every `heartbeatMs`, so any instance can list the fleet; a clean stop says so.
 * A heartbeat that fails is logged once per outage and retried at the next beat.
 */
export class InstanceRegistry {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;

  constructor(private readonly pg: PostgresState, readonly id: string, readonly name: string, private readonly log: Logger, private readonly heartbeatMs = 5000) {}

  async start(policyVersion: () => string): Promise<void> {
    await this.pg.query(
      `INSERT INTO instances (id, name, started_at, last_seen, policy_version) VALUES ($1, $2, now(), now(), $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, started_at = now(), last_seen = now(), policy_version = EXCLUDED.policy_version, stopped_at = NULL`,
      [this.id, this.name, policyVersion()],
    );
    const beat = async () => {
      try {
        await this.pg.query('UPDATE instances SET last_seen = now(), policy_version = $2 WHERE id = $1', [this.id, policyVersion()]);
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.log.warn('fleet: heartbeat failed', { reason: (err as Error).message });
        this.failing = true;
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => void beat(), this.heartbeatMs);
      this.timer.unref();
    };
    this.timer = setTimeout(() => void beat(), this.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pg.query('UPDATE instances SET stopped_at = now() WHERE id = $1', [this.id]).catch(() => undefined);
  }
}
