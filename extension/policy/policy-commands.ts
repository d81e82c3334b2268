import * as vscode from 'vscode';
import { gatehouseKind } from './policy-documents';
import { policyTemplate } from './policy-template';
import type { PolicyTestRunner, PolicyTestSummary } from './policy-test-runner';

/** Run Policy Tests and New Policy File. */
export function registerPolicyCommands(runner: PolicyTestRunner): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('gatehouse.runPolicyTests', async (uri?: vscode.Uri, index?: number): Promise<PolicyTestSummary | undefined> => {
      const target = uri ?? (await pickPolicyFile('Run Policy Tests'));
      if (!target) return undefined;
      const doc = await vscode.workspace.openTextDocument(target);
      return runner.run(doc, typeof index === 'number' ? index : undefined);
    }),
    vscode.commands.registerCommand('gatehouse.newPolicyFile', async (target?: vscode.Uri | 'untitled'): Promise<vscode.Uri | undefined> => {
      if (!target) {
        const pick = await vscode.window.showQuickPick(
          [{ label: 'Untitled', description: 'an unsaved editor', t: 'untitled' as const }, { label: 'Choose a location…', description: '*.policy.yaml', t: 'file' as const }],
          { title: 'New Policy File' },
        );
        if (!pick) return undefined;
        if (pick.t === 'untitled') target = 'untitled';
        else {
          const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
          target = await vscode.window.showSaveDialog({
            title: 'New Policy File',
            defaultUri: folder ? vscode.Uri.joinPath(folder, 'policies', 'new.policy.yaml') : undefined,
            filters: { 'Gatehouse policy': ['policy.yaml', 'yaml'] },
          });
          if (!target) return undefined;
        }
      }
      if (target === 'untitled') {
        const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: policyTemplate('new-policy') });
        await vscode.window.showTextDocument(doc);
        return doc.uri;
      }
      const name = target.path.split('/').pop() ?? 'new-policy';
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(policyTemplate(name)));
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
      return target;
    }),
  ];
}

/** The active policy editor's file, else a pick among the workspace's policy files. */
export async function pickPolicyFile(title: string): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  if (active && gatehouseKind(active) === 'policy') return active.uri;
  const files = await vscode.workspace.findFiles('**/*.policy.{yaml,yml}', '**/node_modules/**', 200);
  if (files.length === 1) return files[0];
  const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })), { title, placeHolder: 'Policy file' });
  return pick?.uri;
}
