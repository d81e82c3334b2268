import * as vscode from 'vscode';
import { displayText } from '../../gateway/core/display-text';
import type { PendingApproval } from '../admin/admin-types';
import type { ApprovalStore } from '../approvals/approval-store';
import { Disposable } from '../common/lifecycle';

/** The Pending Approvals view; items carry contextValue `approval` for the Approve/Deny menus. */
export class ApprovalsTreeProvider extends Disposable implements vscode.TreeDataProvider<PendingApproval> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: ApprovalStore) {
    super();
    this.register(store.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire();
  }

  getChildren(element?: PendingApproval): PendingApproval[] {
    return element ? [] : this.store.pending;
  }

  getTreeItem(a: PendingApproval): vscode.TreeItem {
    const item = new vscode.TreeItem(displayText(`${a.principal}: ${a.method} ${a.path}`), vscode.TreeItemCollapsibleState.None);
    item.id = a.id;
    item.description = displayText([a.model, `rule ${a.rule}`, `expires ${new Date(a.expiresAt).toLocaleTimeString()}`].filter(Boolean).join(' · '));
    // Plain text, not Markdown: the caller's path and model must not become links.
    item.tooltip = [displayText(`${a.principal} wants ${a.method} ${a.path}${a.model ? ` on ${a.model}` : ''}`), `rule ${displayText(a.rule)} · expires ${a.expiresAt}`, `id ${a.id}`].join('\n');
    item.iconPath = new vscode.ThemeIcon('bell-dot', new vscode.ThemeColor('charts.yellow'));
    item.contextValue = 'approval';
    item.command = { command: 'gatehouse.showApprovalDetails', title: 'Show Details', arguments: [a] };
    return item;
  }
}
