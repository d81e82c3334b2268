import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { cliPath, runCli, startServe } from '../../helpers/cli';

describe('cli: gatehouse serve', function () {
  // Several `gatehouse` processes start one after another: 5–10 s at load 10 here, so room for a slower CI machine.
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints help and version, and exits 2 on an unknown command or option', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: gatehouse <command>/);
    const serveHelp = await runCli(['serve', '--help']);
    assert.match(serveHelp.stdout, /--admin-port/);
    const version = await runCli(['--version']);
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command: frobnicate/);
    const badOption = await runCli(['serve', '--nope']);
    assert.equal(badOption.code, 2);
    const badPort = await runCli(['serve', '--port', 'abc']);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port must be a port number/);
  });

  it('runs as the `gatehouse` bin: npx in the package folder executes dist/gateway.js itself (the README quick start)', async () => {
    const child = spawn('npx', ['--no-install', 'gatehouse', '--version'], { cwd: join(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, err);
    assert.match(out.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('refuses an invalid config with file, line, column and path for every error, exit 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, ['server:', '  listen:', '    port: eighty', 'upstreams:', '  - name: a', '    url: http://127.0.0.1:9', '    colour: blue', ''].join('\n'));
    const res = await runCli(['serve', '--config', file]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /invalid config \(2 errors\)/);
    assert.ok(res.stderr.includes(`${file}:3:11: error: /server/listen/port must be integer`), res.stderr);
    assert.ok(res.stderr.includes(`${file}:7:5: error: /upstreams/0/colour unknown property "colour"`), res.stderr);
  });

  it('reports a YAML syntax error with its position', async () => {
    const file = join(dir, 'syntax.yaml');
    writeFileSync(file, 'server:\n  listen: [1\n');
    const res = await runCli(['serve', '--config', file]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: error:`));
  });

  it('runs the embedded default: prints both addresses, answers through the demo model, stops on SIGTERM with 0', async () => {
    const serve = await startServe(['--port', '0', '--admin-port', '0', '--data-dir', join(dir, 'data')], { cwd: dir });
    try {
      assert.match(serve.dataUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${serve.adminUrl}/healthz`);
      assert.equal(health.status, 200);
      const res = await fetch(`${serve.dataUrl}/v1/models`, { headers: await authHeaders(join(dir, 'data')) });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { data: { id: string }[] }).data[0]!.id, 'demo-echo');
    } finally {
      assert.equal(await serve.stop(), 0);
    }
  });

  it('with --exit-with-stdin, stops cleanly (exit 0) when its launcher closes stdin', async () => {
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--admin-port', '0', '--data-dir', join(dir, 'lifeline'), '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: child.stdout! });
    let admin = '';
    for await (const line of lines) {
      if (line.startsWith('admin ')) {
        admin = line.slice(6).trim();
        break;
      }
    }
    assert.equal((await fetch(`${admin}/healthz`)).status, 200);
    const exited = once(child, 'exit');
    child.stdin!.end();
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
  });
});

/** The embedded default trusts the development issuer: mint a token with `gatehouse token` from the same data dir. */
async function authHeaders(dataDir: string): Promise<Record<string, string>> {
  const minted = await runCli(['token', '--sub', 'serve-test', '--data-dir', dataDir]);
  assert.equal(minted.code, 0, minted.stderr);
  return { authorization: `Bearer ${minted.stdout.trim()}` };
}
