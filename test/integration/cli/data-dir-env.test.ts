// Every command finds the same data directory: --data-dir, else $GATEHOUSE_DATA_DIR, else the
// config's server.dataDir, else ./.gatehouse. A token minted by `gatehouse token` is signed with the
// development issuer's key in that directory, so it only works against a gateway using the same one.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli, startServe, type ServeProcess } from '../../helpers/cli';

async function chat(serve: ServeProcess, token: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${serve.dataUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, body: await res.text() };
}

describe('cli: GATEHOUSE_DATA_DIR and the data directory every command uses', function () {
  // Several `gatehouse` processes start one after another: 5–10 s at load 10 here, so room for a slower CI machine.
  this.timeout(60_000);
  let dir: string;
  let serve: ServeProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-data-dir-env-'));
  });
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve, token and audit tail all use $GATEHOUSE_DATA_DIR; a token minted elsewhere is refused', async () => {
    const data = join(dir, 'shared-data');
    const serveCwd = join(dir, 'serve-here');
    const tokenCwd = join(dir, 'token-here');
    mkdirSync(serveCwd);
    mkdirSync(tokenCwd);
    const env = { GATEHOUSE_DATA_DIR: data };
    serve = await startServe(['--port', '0', '--admin-port', '0'], { cwd: serveCwd, env });
    assert.ok(existsSync(join(data, 'admin.token')), 'serve keeps its data in $GATEHOUSE_DATA_DIR');
    assert.ok(!existsSync(join(serveCwd, '.gatehouse')), 'not in ./.gatehouse');

    const token = await runCli(['token', '--sub', 'me'], { cwd: tokenCwd, env });
    assert.equal(token.code, 0, token.stderr);
    const ok = await chat(serve, token.stdout.trim());
    assert.equal(ok.status, 200, ok.body);

    // Without the variable, token uses ./.gatehouse of its own folder: another issuer key.
    const stray = await runCli(['token', '--sub', 'me'], { cwd: tokenCwd, env: { GATEHOUSE_DATA_DIR: '' } });
    assert.equal(stray.code, 0, stray.stderr);
    assert.ok(existsSync(join(tokenCwd, '.gatehouse', 'dev-issuer.jwk.json')));
    const refused = await chat(serve, stray.stdout.trim());
    assert.equal(refused.status, 401);
    assert.equal(JSON.parse(refused.body).error.code, 'ERR_TOKEN_KEY_UNKNOWN');

    const tail = await runCli(['audit', 'tail', '-n', '5', '--kind', 'outcome', '--json'], { cwd: tokenCwd, env });
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(JSON.parse(tail.stdout.trim().split('\n').at(-1)!).status, 200);
  });

  it('--data-dir wins over $GATEHOUSE_DATA_DIR, which wins over the config file', async () => {
    const config = resolve(__dirname, '../../../test/extension/fixtures/workspace/gatehouse.yaml');
    const fromEnv = join(dir, 'env-data');
    const fromFlag = join(dir, 'flag-data');
    const a = await runCli(['token', '--sub', 'x', '--config', config], { env: { GATEHOUSE_DATA_DIR: fromEnv } });
    assert.equal(a.code, 0, a.stderr);
    assert.ok(existsSync(join(fromEnv, 'dev-issuer.jwk.json')));
    const b = await runCli(['token', '--sub', 'x', '--data-dir', fromFlag], { env: { GATEHOUSE_DATA_DIR: fromEnv } });
    assert.equal(b.code, 0, b.stderr);
    assert.ok(existsSync(join(fromFlag, 'dev-issuer.jwk.json')));
  });

  it('serve names the config line of a secret it cannot read (exit 2), like any invalid config', async () => {
    const res = await runCli(['serve', '--config', 'examples/gatehouse.yaml', '--port', '0', '--admin-port', '0', '--data-dir', join(dir, 'd')], {
      cwd: resolve(__dirname, '../../..'),
      env: { OPENAI_API_KEY: '' },
    });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /^gatehouse: invalid config \(1 error\):\n.*examples\/gatehouse\.yaml:\d+:\d+: error: \/upstreams\/0\/auth\/secret environment variable OPENAI_API_KEY is not set$/m);
  });
});
