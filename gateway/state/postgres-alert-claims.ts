import { createHash } from 'node:crypto';
import type { PostgresState } from './postgres-state';

/**
 * One firing per incident across the fleet: a claim is an upsert that takes the row only when the
 * previous claim's cooldown has ended, in one statement, so of N instances that see the same
 * burst exactly one gets `true`.
 */
export function postgresAlertClaims(pg: PostgresState, instance: string) {
  return async (key: string, atMs: number, untilMs: number): Promise<boolean> => {
    const rows = await pg.query(
      `INSERT INTO alert_claims (claim_key, until_ms, instance) VALUES ($1, $2, $3)
       ON CONFLICT (claim_key) DO UPDATE SET until_ms = EXCLUDED.until_ms, instance = EXCLUDED.instance
       WHERE alert_claims.until_ms <= $4
       RETURNING 1`,
      [createHash('sha256').update(key).digest('base64url'), untilMs, instance, atMs],
    );
    return rows.length > 0;
  };
}
