import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateGatehouse, EXTENSION_ID } from './helpers';

describe('activation', () => {
  it('activates and builds its services', async () => {
    const api = await activateGatehouse();
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
    assert.equal(api.gateway.state.kind, 'stopped');
    assert.equal(api.connection.state.kind, 'none');
  });

  it('registers every command the manifest contributes', async () => {
    await activateGatehouse();
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; category: string }[] } };
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 11, `only ${contributed.length} commands contributed`);
    assert.ok(manifest.contributes.commands.every((c) => c.category === 'Gatehouse'));
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });

  it('shows empty views (welcome content) while nothing is connected', async () => {
    const api = await activateGatehouse();
    assert.deepEqual(api.views.gateway.getChildren(), []);
    assert.deepEqual(api.views.approvals.getChildren(), []);
    assert.deepEqual(api.views.auditLog.getChildren(), []);
  });
});
