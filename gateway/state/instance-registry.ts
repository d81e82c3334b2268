import type { FleetInstance, GatewayEvents } from '../core/admin-api';
import type { Logger } from '../log';
import type { PostgresState } from './postgres-state';

/** What an instance reports about itself with every heartbeat, and how it tells the fleet it started, stopped or found one gone. */
export interface InstanceReport {
  policyVersion(): string;
  /** What its /readyz reports as not ready (empty: ready). */
  notReady(): string[];
  announce(change: GatewayEvents['instance.changed']): void;
}

/** An instance as the registry lists it (the admin route adds `self` and `policyDiffers`). */
export type RegisteredInstance = Omit<FleetInstance, 'self' | 'policyDiffers'>;

interface InstanceRow {
  id: string;
  name: string;
  started_at: Date;
  last_seen: Date;
  stopped_at: Date | null;
  policy_version: string;
  not_ready: string[];
  live: boolean;
}

/**
 * Registers this instance in the fleet's `instances` table and keeps its row fresh (last seen,
 * policy version, readiness) every third of `timeoutMs`, so any instance can list the fleet; a
 * clean stop says so. An instance not seen for `timeoutMs` is gone: one live instance claims it
 * (marks it stopped, in one statement, so only one does) and `onGone` deals with what it held.
 * Starts, stops, instances found gone and changes of readiness are announced (the instance.changed
 * event); a change of readiness is written and announced when it happens (`reportReadiness`), not
 * at the next beat. A heartbeat that fails is logged once per outage and retried at the next beat.
 */
export class InstanceRegistry {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private stopped = false;
  private report: InstanceReport | undefined;
  /** The readiness the fleet's table has for this instance (as written last). */
  private written = '';

  private readonly heartbeatMs: number;

  constructor(private readonly pg: PostgresState, readonly id: string, readonly name: string, private readonly log: Logger, private readonly timeoutMs = 15_000) {
    this.heartbeatMs = Math.max(100, Math.floor(timeoutMs / 3));
  }

  /** `onGone(id)`: an instance (this one's previous run included) stopped without saying so. */
  async start(report: InstanceReport, onGone: (instance: string) => Promise<void>): Promise<void> {
    this.report = report;
    // This data dir's previous run, if it crashed, held connections that are gone now.
    await onGone(this.id);
    const notReady = report.notReady();
    await this.pg.query(
      `INSERT INTO instances (id, name, started_at, last_seen, policy_version, not_ready) VALUES ($1, $2, now(), now(), $3, $4)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, started_at = now(), last_seen = now(), policy_version = EXCLUDED.policy_version, not_ready = EXCLUDED.not_ready, stopped_at = NULL`,
      [this.id, this.name, report.policyVersion(), notReady],
    );
    this.wrote(notReady);
    report.announce({ id: this.id, name: this.name, change: 'started' });
    const beat = async () => {
      try {
        const notReady = report.notReady();
        await this.pg.query('UPDATE instances SET last_seen = now(), policy_version = $2, not_ready = $3 WHERE id = $1', [this.id, report.policyVersion(), notReady]);
        // A change no one reported at once (the beat is the fallback) is still news.
        if (this.wrote(notReady)) report.announce({ id: this.id, name: this.name, change: 'readiness' });
        const gone = await this.pg.query<{ id: string; name: string }>(
          `UPDATE instances SET stopped_at = now() WHERE stopped_at IS NULL AND id <> $1 AND last_seen < now() - make_interval(secs => $2) RETURNING id, name`,
          [this.id, this.timeoutMs / 1000]);
        for (const g of gone) {
          this.log.warn('fleet: an instance stopped without saying so', { instance: g.id, name: g.name });
          report.announce({ id: g.id, name: g.name, change: 'gone' });
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

  /**
   * The fleet's instances: those running and those that stopped within the last day (a stopped
   * instance's row stays; its data dir may start it again), running ones first.
   */
  async list(): Promise<RegisteredInstance[]> {
    const rows = await this.pg.query<InstanceRow>(
      `SELECT id, name, started_at, last_seen, stopped_at, policy_version, not_ready,
              last_seen >= now() - make_interval(secs => $1) AS live
       FROM instances WHERE stopped_at IS NULL OR stopped_at > now() - interval '1 day'
       ORDER BY stopped_at IS NULL DESC, name, id`,
      [this.timeoutMs / 1000],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      state: r.stopped_at ? 'stopped' : r.live ? 'running' : 'silent',
      policyVersion: r.policy_version,
      startedAt: r.started_at.toISOString(),
      lastSeen: r.last_seen.toISOString(),
      ...(r.stopped_at ? { stoppedAt: r.stopped_at.toISOString() } : {}),
      ready: r.not_ready.length === 0,
      notReady: r.not_ready,
    }));
  }

  /** Writes this instance's readiness now, and announces it, if it is not what the fleet's table has. */
  async reportReadiness(): Promise<void> {
    const report = this.report;
    if (!report || this.stopped) return;
    const notReady = report.notReady();
    if (JSON.stringify(notReady) === this.written) return;
    // (When PostgreSQL itself is what went down, this fails: the beat after it is back writes what holds then.)
    await this.pg.query('UPDATE instances SET not_ready = $2 WHERE id = $1', [this.id, notReady]);
    if (this.wrote(notReady)) report.announce({ id: this.id, name: this.name, change: 'readiness' });
  }

  /** Notes the readiness the table now has; true when it differs from what it had. */
  private wrote(notReady: string[]): boolean {
    const key = JSON.stringify(notReady);
    const changed = key !== this.written;
    this.written = key;
    return changed;
  }

  /** Writes this instance's policy version now (after a reload) rather than at the next beat, then announces it. */
  async reportPolicy(): Promise<void> {
    const report = this.report;
    if (!report || this.stopped) return;
    await this.pg.query('UPDATE instances SET policy_version = $2 WHERE id = $1', [this.id, report.policyVersion()]);
    report.announce({ id: this.id, name: this.name, change: 'policy' });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const said = await this.pg.query('UPDATE instances SET stopped_at = now() WHERE id = $1', [this.id]).then(() => true, () => false);
    if (said) this.report?.announce({ id: this.id, name: this.name, change: 'stopped' });
  }
}
