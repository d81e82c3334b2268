/**
 * A real PostgreSQL for tests (Debian's `postgresql` package, installed by .ci/run): initdb and
 * pg_ctl with the data and socket directories in a temporary folder, listening on a free
 * 127.0.0.1 port, trust authentication, durability off (fast). One server per test file; each
 * test takes a fresh schema (`freshSchema()`), which is cheaper than a database.
 *
 * initdb refuses to run as root, so as root every server command runs as the `postgres` user
 * (`runuser -u postgres --`), in a folder it owns. Missing binaries fail the test with the fix.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../gateway/state/migrate';
import { createPool, type PostgresSettings } from '../../gateway/state/postgres-state';
import { freePort, waitForPort } from './ports';

export interface TestPostgres {
  /** postgres://gatehouse@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** The postmaster's process id while it runs (benchmarks read the server's CPU time from /proc). */
  serverPid(): number;
  /** A new, empty schema name (the gateway's `state.postgres.schema`), different for every call. */
  freshSchema(): string;
  /** A fresh schema, migrated, as a gateway's pool settings (what a store under test opens). */
  migratedSchema(): Promise<PostgresSettings>;
  /** Runs SQL as the superuser (test setup and assertions). */
  sql<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /**
   * Stops the server, keeping its data (`pg_ctl stop -m fast`): clients see their connections end.
   * `immediate`: no backend cleans up as it dies, so a lock a dying session held is never handed on
   * to a session waiting for it (with `fast`, the holder may die first and the waiter finish its
   * statement before its own signal lands, which a loaded machine makes likely).
   */
  pause(mode?: 'fast' | 'immediate'): void;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** PostgreSQL's server binaries: $GATEHOUSE_PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string {
  const fromEnv = process.env.GATEHOUSE_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) {
    throw new Error('PostgreSQL server binaries not found (no /usr/lib/postgresql/<version>/bin/initdb): install them with `apt-get install postgresql` (.ci/run does), or set GATEHOUSE_PG_BIN');
  }
  return join(root, versions[0], 'bin');
}

const isRoot = process.getuid?.() === 0;

function runAsServerUser(bin: string, args: string[]): string {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

/**
 * `tmpRoot`: where the server's folder goes (default the temp dir). As root the server runs as
 * `postgres`, which must be able to reach it: a temp dir private to root (the extension-host
 * runner's) needs another root. `serverSettings`: more `-c name=value` settings (the benchmarks'
 * pg_stat_statements).
 */
export async function startPostgres(options: { tmpRoot?: string; serverSettings?: Record<string, string> } = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(options.tmpRoot ?? tmpdir(), 'gatehouse-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  runAsServerUser(join(bin, 'initdb'), ['-D', data, '-U', 'gatehouse', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200` +
    Object.entries(options.serverSettings ?? {}).map(([name, value]) => ` -c ${name}=${value}`).join('');
  let running = false;
  const start = async () => {
    runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
    running = true;
    await waitForPort('postgres', port, () => false, () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''));
  };
  const halt = (mode: 'fast' | 'immediate') => {
    if (!running) return;
    runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
    running = false;
  };
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = `postgres://gatehouse@127.0.0.1:${port}/postgres`;
  let schemas = 0;
  return {
    url,
    port,
    serverPid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    freshSchema: () => `t${process.pid}_${++schemas}`,
    async migratedSchema() {
      const settings = { url, schema: `t${process.pid}_${++schemas}`, poolSize: 5, connectTimeoutMs: 2000 };
      const pool = createPool(settings);
      try {
        await migrate(pool, settings.schema);
      } finally {
        await pool.end();
      }
      return settings;
    },
    async sql(text, values) {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    pause: (mode = 'fast') => halt(mode),
    resume: start,
    async stop() {
      halt('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One PostgreSQL for the enclosing describe (started before its tests, stopped after); call the result for it. */
export function usePostgres(): () => TestPostgres {
  let pg: TestPostgres | undefined;
  before(async function () {
    this.timeout(60_000);
    pg = await startPostgres();
  });
  after(async () => pg?.stop());
  return () => pg!;
}
