import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StartFailure } from '../../../extension/commands/gateway-commands';
import { getSettings } from '../../../extension/common/settings';
import { activateGatehouse } from './helpers';

// Runs in a window whose folder is not trusted (run-ext-tests.mjs --untrusted).
describe('in an untrusted workspace', () => {
  it('activates (limited support) but refuses to start a gateway', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness opened the folder in restricted mode');
    const api = await activateGatehouse();
    await assert.rejects(api.gateway.start(), /untrusted workspace/);
    assert.equal(api.gateway.state.kind, 'stopped');
    const viaCommand = (await vscode.commands.executeCommand('gatehouse.startGateway')) as StartFailure;
    assert.equal(viaCommand.kind, 'failed');
    assert.match(viaCommand.message, /untrusted workspace/);
    assert.equal(api.connection.state.kind, 'none');
  });

  it('ignores workspace values of restricted settings', async () => {
    const folder = vscode.workspace.workspaceFolders![0];
    const file = vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json');
    assert.match(Buffer.from(await vscode.workspace.fs.readFile(file)).toString(), /"gatehouse.gateway.dataDir": ".gatehouse-data"/);
    assert.equal(getSettings(folder).dataDir, '');
  });
});
