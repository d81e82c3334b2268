import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load-config';
import { readSecret, SecretError } from '../config/secrets';
import { latestVersion, migrate } from '../state/migrate';
import { createPool } from '../state/postgres-state';
import { stateSettings } from '../state/state-settings';
import { UsageError } from './usage-error';

export const dbHelp = `Usage: gatehouse db migrate --config FILE

Creates the fleet's PostgreSQL schema (state.postgres.schema, default gatehouse) and applies the
migrations it lacks, each in its own transaction; instances that run it at once take turns. Safe to
run again: an up-to-date schema is left alone. \`gatehouse serve --migrate\` does the same at start.

Options:
  -c, --config FILE   gateway config whose state.postgres.url names the database
  -h, --help          show this help

Exit codes: 0 the schema is up to date, 1 a migration failed, 2 bad usage, invalid config, or
PostgreSQL unreachable.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(dbHelp);
    return 0;
  }
  if (positionals[0] !== 'migrate' || positionals.length > 1) throw new UsageError(positionals[0] ? `unknown db command: ${positionals.join(' ')}` : 'missing db command (migrate)');
  if (!values.config) throw new UsageError('db migrate needs --config FILE (its state.postgres.url names the database)');
  let loaded;
  try {
    loaded = await loadConfig(values.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`gatehouse: invalid config (${err.diagnostics.length} error${err.diagnostics.length === 1 ? '' : 's'}):\n${err.message}`);
    return 2;
  }
  const pg = loaded.config.state?.postgres;
  if (!pg) {
    console.error(`gatehouse: ${loaded.file}: state.postgres is not set; there is no database to migrate`);
    return 2;
  }
  let url: string;
  try {
    url = readSecret(pg.url, loaded.configDir);
  } catch (err) {
    if (!(err instanceof SecretError)) throw err;
    console.error(`gatehouse: state.postgres.url: ${err.message}`);
    return 2;
  }
  const settings = stateSettings(loaded.config);
  const pool = createPool({ url, schema: settings.schema, poolSize: 1, connectTimeoutMs: settings.connectTimeoutMs });
  pool.on('error', () => undefined);
  try {
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      console.error(`gatehouse: PostgreSQL (state.postgres.url) is unreachable: ${(err as Error).message}`);
      return 2;
    }
    try {
      const applied = await migrate(pool, settings.schema);
      console.log(applied.length
        ? `schema ${settings.schema}: applied migration${applied.length === 1 ? '' : 's'} ${applied.join(', ')}; now at version ${latestVersion}`
        : `schema ${settings.schema}: up to date (version ${latestVersion})`);
      return 0;
    } catch (err) {
      console.error(`gatehouse: ${(err as Error).message}`);
      return 1;
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
}
