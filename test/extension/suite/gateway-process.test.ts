import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunningGateway } from '../../../extension/gateway/gateway-process-service';
import { activateGatehouse, isAlive, nextEvent } from './helpers';

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => http.get(url, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));
}

describe('GatewayProcessService with the bundled gateway', () => {
  afterEach(async () => {
    const api = await activateGatehouse();
    await api.gateway.stop();
  });

  it('starts from the command, connects the admin client, and stops', async () => {
    const api = await activateGatehouse();
    const running = (await vscode.commands.executeCommand('gatehouse.startGateway')) as RunningGateway;
    assert.equal(running?.kind, 'running');
    assert.match(running.dataUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(running.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(running.adminToken.length >= 16, 'admin token read from <dataDir>/admin.token');
    assert.equal(fs.statSync(path.join(running.launch.dataDir, 'admin.token')).mode & 0o077, 0, 'admin.token is private');
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.equal(running.launch.dataDir, path.join(folder, '.gatehouse-data'), 'the workspace setting applies when trusted');
    assert.equal(running.launch.configFile, path.join(folder, 'gatehouse.yaml'));
    assert.equal(await get(`${running.adminUrl}/healthz`), 200);
    assert.equal(api.connection.state.kind, 'local');
    const rows = api.views.gateway.getChildren().map((r) => `${r.label} ${r.description ?? ''}`);
    assert.ok(rows.some((r) => r.startsWith('Running')), rows.join('\n'));
    assert.ok(rows.some((r) => r.includes(running.dataUrl)), rows.join('\n'));

    await vscode.commands.executeCommand('gatehouse.stopGateway');
    assert.equal(api.gateway.state.kind, 'stopped');
    assert.equal(isAlive(running.pid), false, 'the gateway process is gone');
    assert.equal(api.connection.state.kind, 'none');
  });

  it('starting twice returns the same gateway', async () => {
    const api = await activateGatehouse();
    const [a, b] = await Promise.all([api.gateway.start(), api.gateway.start()]);
    assert.equal(a.pid, b.pid);
  });

  it('restart replaces the process', async () => {
    const api = await activateGatehouse();
    const first = await api.gateway.start();
    const second = (await vscode.commands.executeCommand('gatehouse.restartGateway')) as RunningGateway;
    assert.notEqual(second.pid, first.pid);
    assert.equal(isAlive(first.pid), false);
    assert.equal(api.gateway.state.kind, 'running');
  });

  it('reports a crash and does not restart the gateway', async () => {
    const api = await activateGatehouse();
    const running = await api.gateway.start();
    const states: string[] = [];
    const sub = api.gateway.onDidChangeState((s) => states.push(s.kind));
    const crashed = nextEvent(api.gateway.onDidChangeState, (s) => s.kind === 'crashed');
    process.kill(running.pid, 'SIGKILL');
    const state = await crashed;
    assert.equal(state.kind, 'crashed');
    assert.match((state as { message: string }).message, /SIGKILL/);
    // A restart loop would have fired 'starting' right after the crash; one more round trip
    // through the extension host proves nothing was queued.
    await vscode.commands.executeCommand('gatehouse.showGatewayLog');
    sub.dispose();
    assert.deepEqual(states, ['crashed']);
    assert.equal(api.connection.state.kind, 'crashed');
  });

  it('mints a development token from the gateway data directory', async () => {
    await activateGatehouse();
    const token = (await vscode.commands.executeCommand('gatehouse.copyDevToken', 'ci-deployer')) as string;
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string };
    assert.equal(claims.sub, 'ci-deployer');
    assert.equal(await vscode.env.clipboard.readText(), token);
  });
});
