import * as vscode from 'vscode';
import type { PendingApproval } from '../admin/admin-types';
import type { ApprovalActions } from '../approvals/approval-actions';
import { describeApproval } from '../approvals/approval-text';
import type { ApprovalStore } from '../approvals/approval-store';
import { approvalUri } from '../audit/audit-record-provider';

/** Approve Request, Deny Request (from a tree item, a toast or the palette) and Show Approval Details. */
export function registerApprovalCommands(store: ApprovalStore, actions: ApprovalActions): vscode.Disposable[] {
  const pick = async (arg: PendingApproval | string | undefined, verb: string): Promise<PendingApproval | undefined> => {
    if (typeof arg === 'object') return arg;
    if (typeof arg === 'string') return store.get(arg) ?? { id: arg, principal: '?', method: '?', path: '?', rule: '?', expiresAt: '' };
    const choice = await vscode.window.showQuickPick(
      store.pending.map((a) => ({ label: describeApproval(a), description: a.id, a })),
      { title: `${verb} Request`, placeHolder: store.pending.length ? 'Which request?' : 'No requests are waiting' },
    );
    return choice?.a;
  };
  return [
    vscode.commands.registerCommand('gatehouse.approveRequest', async (arg?: PendingApproval | string) => {
      const approval = await pick(arg, 'Approve');
      return approval && actions.decide(approval, 'approve');
    }),
    vscode.commands.registerCommand('gatehouse.denyRequest', async (arg?: PendingApproval | string, reason?: string) => {
      const approval = await pick(arg, 'Deny');
      return approval && actions.decide(approval, 'deny', reason);
    }),
    vscode.commands.registerCommand('gatehouse.showApprovalDetails', async (arg?: PendingApproval | string) => {
      const approval = await pick(arg, 'Show');
      if (!approval) return;
      const doc = await vscode.workspace.openTextDocument(approvalUri(approval.id));
      await vscode.languages.setTextDocumentLanguage(doc, 'json');
      await vscode.window.showTextDocument(doc, { preview: true });
      await vscode.commands.executeCommand('gatehouse.approvals.focus');
    }),
  ];
}
