import { Pool, type QueryResultRow } from 'pg';
import type { GatehouseError } from '../errors';
import type { Logger } from '../log';
import { hearConnectionErrors } from './pg-connection-errors';
import type { TextStatement } from './pg-text-statement';
import { StateHealth } from './state-health';
import { StateStartError, stateUnavailable } from './state-errors';
import { latestVersion, migrate, pendingMigrations, quoteIdent } from './migrate';

export interface PostgresSettings {
  url: string;
  schema: string;
  poolSize: number;
  connectTimeoutMs: number;
}

/**
 * The fleet's PostgreSQL: one pool per instance (search_path set to the Gatehouse schema, so
 * queries name tables unqualified) and its health. Every query goes through `query`, which fails
 * closed with 503 ERR_STATE_UNAVAILABLE and marks the store down on a connection failure.
 */
export class PostgresState {
  readonly health: StateHealth;

  private constructor(readonly pool: Pool, readonly schema: string, log: Logger) {
    this.health = new StateHealth('postgres', async () => void (await pool.query('SELECT 1')), log);
    // An idle client whose server went away emits 'error' on the pool; without a listener it would
    // crash the process. The next query finds out and marks the store down.
    pool.on('error', (err) => log.warn('postgres: an idle connection failed', { reason: err.message }));
  }

  /**
   * Connects (PostgreSQL unreachable → StateStartError, `serve` exits 2 with the reason) and
   * checks the schema is migrated, migrating it first when `migrateFirst`.
   */
  static async open(settings: PostgresSettings, log: Logger, options: { migrateFirst?: boolean } = {}): Promise<PostgresState> {
    const pool = createPool(settings);
    const state = new PostgresState(pool, settings.schema, log);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StateStartError('ERR_STATE_UNAVAILABLE', `PostgreSQL (state.postgres.url) is unreachable: ${(err as Error).message}`, { cause: err });
    }
    try {
      if (options.migrateFirst) {
        const applied = await migrate(pool, settings.schema);
        if (applied.length) log.info('postgres: schema migrated', { schema: settings.schema, applied });
      }
      const pending = await pendingMigrations(pool, settings.schema);
      if (pending.length) {
        throw new StateStartError('ERR_STATE_SCHEMA', `the PostgreSQL schema "${settings.schema}" lacks migration${pending.length === 1 ? '' : 's'} ${pending.join(', ')} (this gateway needs version ${latestVersion}): run \`gatehouse db migrate\`, or start with --migrate`);
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      if (err instanceof StateStartError) throw err;
      throw new StateStartError('ERR_STATE_UNAVAILABLE', `PostgreSQL schema check failed: ${(err as Error).message}`, { cause: err });
    }
    return state;
  }

  /**
   * Runs one statement; fails closed (503 ERR_STATE_UNAVAILABLE) when the store does not answer.
   * `name` prepares it once per connection (statements on every request's path: no parse or plan each time).
   */
  async query<R extends QueryResultRow>(text: string, values?: unknown[], name?: string): Promise<R[]> {
    const down = this.refusal();
    if (down) throw down;
    try {
      return (await this.pool.query<R>(name ? { name, text, values } : { text, values })).rows;
    } catch (err) {
      throw this.failed(err);
    }
  }

  /** While the store is marked down: the error a statement fails with at once (503 ERR_STATE_UNAVAILABLE). */
  refusal(): GatehouseError | undefined {
    return this.health.available ? undefined : stateUnavailable('postgres', this.health.problem);
  }

  /** A statement failed: the store is marked down when the connection failed; 503 ERR_STATE_UNAVAILABLE either way. */
  failed(err: unknown): GatehouseError {
    if (isConnectionFailure(err)) this.health.down(err);
    return stateUnavailable('postgres', err);
  }

  /**
   * Runs a statement on a pool connection without pg's `Query` (see TextStatement): the connection
   * goes back to the pool when the statement is answered, and is dropped when it failed (as
   * `pool.query` does). The statement's callback hears the answer; the caller checks `refusal()`
   * first and maps an error with `failed()`.
   */
  submit(statement: TextStatement): void {
    this.pool.connect((err, client, release) => {
      if (err || !client) {
        statement.handleError(err ?? new Error('no connection'));
        return;
      }
      const unhear = hearConnectionErrors(client);
      const answered = statement.callback;
      statement.callback = (failure, rows) => {
        unhear();
        release(failure);
        answered(failure, rows);
      };
      client.query(statement);
    });
  }

  async close(): Promise<void> {
    this.health.close();
    await this.pool.end().catch(() => undefined);
  }
}

export function createPool(settings: PostgresSettings): Pool {
  return new Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // A statement stuck behind a lock or a dead server must not hold a request forever.
    query_timeout: Math.max(5000, settings.connectTimeoutMs),
    keepAlive: true,
    // Idle connections stay open (pg closes them after 10 s by default). Each new connection is a
    // new PostgreSQL backend: a fork, its caches rebuilt, the counters' functions compiled and the
    // statements prepared and planned again; traffic that paused for 10 s paid all of that again
    // (bench/README.md, "where PostgreSQL's CPU goes").
    idleTimeoutMillis: 0,
    application_name: 'gatehouse',
    options: `-c search_path=${quoteIdent(settings.schema)}`,
  });
}

/**
 * A failure of the connection rather than of the statement: no SQLSTATE (socket errors, "Connection
 * terminated", connect timeouts), or class 08 (connection exception), 53 (insufficient resources),
 * 57 (operator intervention: shutdown, cannot connect now).
 */
export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('08') || code.startsWith('53') || code.startsWith('57');
}
