import type { Logger } from '../log';
import type { PostgresState } from './postgres-state';

/**
 * Registers this instance in the fleet's `instances` table and keeps its row fresh (last seen,
 * policy version) every third of `timeoutMs`, so any instance can list the fleet; a clean stop
 * says so. An instance not seen for `timeoutMs` is gone: one live instance claims it (marks it
 * stopped, in one statement, so only one does) and `onGone` deals with what it held. A heartbeat
 * that fails is logged once per outage and retried at the next beat.
 */
export class InstanceRegistry {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;

  private readonly heartbeatMs: number;

  constructor(private readonly pg: PostgresState, readonly id: string, readonly name: string, private readonly log: Logger, private readonly timeoutMs = 15_000) {
    this.heartbeatMs = Math.max(100, Math.floor(timeoutMs / 3));
  }

  /** `onGone(id)`: an instance (this one's previous run included) stopped without saying so. */
  async start(policyVersion: () => string, onGone: (instance: string) => Promise<void>): Promise<void> {
    // This data dir's previous run, if it crashed, held connections that are gone now.
    await onGone(this.id);
    await this.pg.query(
      `INSERT INTO instances (id, name, started_at, last_seen, policy_version) VALUES ($1, $2, now(), now(), $3)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, started_at = now(), last_seen = now(), policy_version = EXCLUDED.policy_version, stopped_at = NULL`,
      [this.id, this.name, policyVersion()],
    );
    const beat = async () => {
      try {
        await this.pg.query('UPDATE instances SET last_seen = now(), policy_version = $2 WHERE id = $1', [this.id, policyVersion()]);
        const gone = await this.pg.query<{ id: string; name: string }>(
          `UPDATE instances SET stopped_at = now() WHERE stopped_at IS NULL AND id <> $1 AND last_seen < now() - make_interval(secs => $2) RETURNING id, name`,
          [this.id, this.timeoutMs / 1000]);
        for (const g of gone) {
          this.log.warn('fleet: an instance stopped without saying so', { instance: g.id, name: g.name });
          await onGone(g.id);
        }
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
