import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, startServe } from '../../helpers/cli';
import { freePort } from '../../helpers/ports';
import { startPostgres, type TestPostgres } from '../../helpers/postgres';
import { latestVersion, migrations } from '../../../gateway/state/migrations';

const versions = migrations.map((m) => m.version);

/**
 * The fleet's start-up: `gatehouse db migrate`, `serve` refusing a PostgreSQL it cannot use
 * (unreachable, not migrated: exit 2 with the reason), `serve --migrate`, and the hash key a
 * fleet needs (a config diagnostic, file:line:col).
 */
describe('cli: gatehouse db migrate and serve with state.store postgres', function () {
  this.timeout(60_000);
  let pg: TestPostgres;
  let dir: string;
  const env = { GATEHOUSE_PG_URL: '', GATEHOUSE_HASH_KEY: 'a-fleet-wide-hash-key-0123456789' };

  before(async () => {
    pg = await startPostgres();
    env.GATEHOUSE_PG_URL = pg.url;
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-db-cli-'));
  });
  after(async () => {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A config file for one instance on `schema`; `over` replaces top-level sections. */
  function configFile(name: string, schema: string, over: Record<string, unknown> = {}): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify({
      server: { dataDir: join(dir, `${name}-data`), listen: { port: 0 }, admin: { port: 0 }, instance: { name } },
      masking: { hashKey: { env: 'GATEHOUSE_HASH_KEY' } },
      state: { store: 'postgres', postgres: { url: { env: 'GATEHOUSE_PG_URL' }, schema, connectTimeoutMs: 1000 } },
      ...over,
    }));
    return file;
  }

  it('db migrate: help, usage errors exit 2, migrates once and is then up to date', async () => {
    const help = await runCli(['db', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: gatehouse db migrate --config FILE/);
    assert.match(help.stdout, /Exit codes: 0/);
    assert.equal((await runCli(['db', 'migrate'])).code, 2, 'no --config');
    assert.match((await runCli(['db', 'frobnicate', '-c', 'x.yaml'])).stderr, /unknown db command/);
    const file = configFile('migrate', pg.freshSchema());
    const first = await runCli(['db', 'migrate', '-c', file], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.includes(`applied migrations ${versions.join(', ')}; now at version ${latestVersion}`), first.stdout);
    const again = await runCli(['db', 'migrate', '-c', file], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.stdout.includes(`up to date (version ${latestVersion})`), again.stdout);
    const noState = join(dir, 'plain.yaml');
    writeFileSync(noState, stringify({ server: { dataDir: join(dir, 'plain-data') } }));
    const nothing = await runCli(['db', 'migrate', '-c', noState], { env });
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /state\.postgres is not set/);
  });

  it('PostgreSQL unreachable: db migrate and serve exit 2 with the reason', async () => {
    const file = configFile('down', pg.freshSchema());
    const deadUrl = `postgres://gatehouse@127.0.0.1:${await freePort()}/postgres`;
    const migrate = await runCli(['db', 'migrate', '-c', file], { env: { ...env, GATEHOUSE_PG_URL: deadUrl } });
    assert.equal(migrate.code, 2);
    assert.match(migrate.stderr, /PostgreSQL \(state\.postgres\.url\) is unreachable: .*ECONNREFUSED/);
    const serve = await runCli(['serve', '-c', file], { env: { ...env, GATEHOUSE_PG_URL: deadUrl } });
    assert.equal(serve.code, 2, serve.stderr);
    assert.match(serve.stderr, /PostgreSQL \(state\.postgres\.url\) is unreachable: .*ECONNREFUSED/);
    assert.doesNotMatch(serve.stderr, /at .*\.js:\d+/, 'a reason, not a stack trace');
  });

  it('serve refuses a schema that is not migrated (exit 2), and --migrate migrates it, starts and registers the instance', async () => {
    const schema = pg.freshSchema();
    const file = configFile('fresh', schema);
    const refused = await runCli(['serve', '-c', file], { env });
    assert.equal(refused.code, 2);
    assert.ok(refused.stderr.includes(`lacks migrations ${versions.join(', ')} (this gateway needs version ${latestVersion}): run \`gatehouse db migrate\`, or start with --migrate`), refused.stderr);
    const serve = await startServe(['-c', file, '--migrate'], { env });
    try {
      const ready = await fetch(`${serve.adminUrl}/readyz`);
      assert.equal(ready.status, 200);
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    // Its id is made once and kept in the data dir; the fleet's table has it, stopped cleanly.
    const id = readFileSync(join(dir, 'fresh-data', 'instance-id'), 'utf8').trim();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const rows = await pg.sql<{ id: string; name: string; stopped: boolean }>(`SELECT id, name, stopped_at IS NOT NULL AS stopped FROM ${schema}.instances`);
    assert.deepEqual(rows, [{ id, name: 'fresh', stopped: true }]);
  });

  it('state.store postgres without masking.hashKey is a config error at its line (exit 2)', async () => {
    const file = configFile('nokey', pg.freshSchema(), { masking: {} });
    const r = await runCli(['serve', '-c', file], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nokey\.yaml:\d+:\d+: error: \/state\/store .*needs masking\.hashKey/);
  });
});
