import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StartFailure } from '../../../extension/commands/gateway-commands';
import type { RunningGateway } from '../../../extension/gateway/gateway-process-service';
import { activateGatehouse, writeWorkspaceFile } from './helpers';

/** A port nobody listens on right now (the kernel's pick, released again). */
async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npx gatehouse token --sub me` as typed in the workspace folder's terminal (no flags, no variables). */
function tokenFromTerminal(script: string, cwd: string): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  delete env.GATEHOUSE_DATA_DIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, 'token', '--sub', 'me'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`gatehouse token exited ${code}: ${err}`))));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

/**
 * The gateway the extension launches agrees with the command line: the config's data dir and ports,
 * and, when it cannot start, the gateway's own reason in the notification.
 */
describe('launching the gateway from the workspace config', () => {
  const settings = () => vscode.workspace.getConfiguration('gatehouse');
  const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  afterEach(async () => {
    const api = await activateGatehouse();
    await api.gateway.stop();
  });
  after(async () => {
    await settings().update('gateway.configFile', undefined, vscode.ConfigurationTarget.Workspace);
    await settings().update('gateway.dataDir', '.gatehouse-data', vscode.ConfigurationTarget.Workspace);
  });

  it("a gateway that exits during start-up: the toast carries the gateway's reason and offers the config at its line", async () => {
    await writeWorkspaceFile('broken.gatehouse.yaml', [
      'upstreams:',
      '  - name: openai',
      '    url: https://api.openai.com',
      '    auth:',
      '      secret: { env: GATEHOUSE_TEST_UNSET_KEY }',
      '',
    ].join('\n'));
    await settings().update('gateway.configFile', 'broken.gatehouse.yaml', vscode.ConfigurationTarget.Workspace);
    const api = await activateGatehouse();
    const result = (await vscode.commands.executeCommand('gatehouse.startGateway')) as StartFailure;
    assert.equal(result.kind, 'failed');
    assert.equal(result.message, 'The gateway did not start: environment variable GATEHOUSE_TEST_UNSET_KEY is not set (/upstreams/0/auth/secret, broken.gatehouse.yaml:5)');
    assert.deepEqual(result.actions, ['Open Config', 'Show Log']);
    assert.equal(api.gateway.state.kind, 'crashed');
  });

  it("uses the config's ports and data dir, so a token from `npx gatehouse token` in the workspace works", async () => {
    const [dataPort, adminPort] = [await freePort(), await freePort()];
    await writeWorkspaceFile('ports.gatehouse.yaml', [
      'server:',
      `  listen: { host: 127.0.0.1, port: ${dataPort} }`,
      `  admin: { host: 127.0.0.1, port: ${adminPort} }`,
      'upstreams:',
      '  - { name: demo, demo: true }',
      'policy: { paths: [policies/] }',
      '',
    ].join('\n'));
    await settings().update('gateway.configFile', 'ports.gatehouse.yaml', vscode.ConfigurationTarget.Workspace);
    await settings().update('gateway.dataDir', undefined, vscode.ConfigurationTarget.Workspace);
    const running = (await vscode.commands.executeCommand('gatehouse.startGateway')) as RunningGateway;
    assert.equal(running.kind, 'running', JSON.stringify(running));
    assert.equal(running.launch.dataDir, path.join(folder(), '.gatehouse'), 'the default data dir next to the config, like the CLI');
    assert.deepEqual([portOf(running.dataUrl), portOf(running.adminUrl)], [dataPort, adminPort]);
    assert.deepEqual(running.launch.notices, []);

    const token = await tokenFromTerminal(running.launch.script, folder());
    const res = await fetch(`${running.dataUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.equal(res.status, 200, await res.text());
  });

  it('falls back to a free port when the configured one is taken, and says so', async () => {
    // ports.gatehouse.yaml from the previous test: hold its data port.
    const text = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(folder(), 'ports.gatehouse.yaml')))).toString();
    const dataPort = Number(/listen: \{ host: 127\.0\.0\.1, port: (\d+) \}/.exec(text)![1]);
    const holder = net.createServer().listen(dataPort, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    try {
      const running = (await vscode.commands.executeCommand('gatehouse.startGateway')) as RunningGateway;
      assert.equal(running.kind, 'running', JSON.stringify(running));
      assert.notEqual(portOf(running.dataUrl), dataPort);
      assert.deepEqual(running.launch.notices, [`Port ${dataPort} (data listener, ports.gatehouse.yaml) is in use, so the gateway listens on a free port instead.`]);
    } finally {
      holder.close();
    }
  });
});
