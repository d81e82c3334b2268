import type { Pool, PoolClient } from 'pg';
import { latestVersion, migrations } from './migrations';
import { hearConnectionErrors } from './pg-connection-errors';

/** Quotes a schema name for SQL (the config schema already limits it to [a-z_][a-z0-9_]*). */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Brings `schema` to the latest version: creates it, then applies each missing migration in its
 * own transaction, recorded in schema_migrations. An advisory lock makes instances started
 * together with --migrate take turns. Returns the versions applied now.
 */
export async function migrate(pool: Pool, schema: string): Promise<number[]> {
  const client = await pool.connect();
  const unhear = hearConnectionErrors(client);
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`gatehouse-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoteIdent(schema)}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = await appliedVersions(client, schema);
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`gatehouse-migrate:${schema}`]).catch(() => undefined);
    unhear();
    client.release();
  }
  return applied;
}

/** The migrations `schema` still lacks (all of them when it does not exist). */
export async function pendingMigrations(pool: Pool, schema: string): Promise<number[]> {
  const client = await pool.connect();
  const unhear = hearConnectionErrors(client);
  try {
    const done = await appliedVersions(client, schema);
    return migrations.map((m) => m.version).filter((v) => !done.has(v));
  } finally {
    unhear();
    client.release();
  }
}

async function appliedVersions(client: PoolClient, schema: string): Promise<Set<number>> {
  const exists = await client.query('SELECT to_regclass($1) AS t', [`${quoteIdent(schema)}.schema_migrations`]);
  if (!exists.rows[0].t) return new Set();
  const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${quoteIdent(schema)}.schema_migrations`);
  return new Set(rows.map((r) => r.version));
}

export { latestVersion };
