import * as vscode from 'vscode';
import { displayText } from '../../gateway/core/display-text';
import { type Alert, type AlertStore } from '../alerts/alert-store';
import { Disposable } from '../common/lifecycle';

/** The Alerts view: alerts fired since this window connected. */
export class AlertsTreeProvider extends Disposable implements vscode.TreeDataProvider<Alert> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: AlertStore) {
    super();
    this.register(store.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire();
  }

  getChildren(element?: Alert): Alert[] {
    return element ? [] : [...this.store.alerts];
  }

  getTreeItem(a: Alert): vscode.TreeItem {
    const item = new vscode.TreeItem(displayText(a.message), vscode.TreeItemCollapsibleState.None);
    item.id = a.id;
    item.description = displayText([a.rule, a.principal, new Date(a.at).toLocaleTimeString()].filter(Boolean).join(' · '));
    item.tooltip = [`${a.severity}: ${displayText(a.message)}`, `rule ${displayText(a.rule)}`, ...(a.principal ? [`principal ${displayText(a.principal)}`] : []), a.at].join('\n');
    const critical = a.severity === 'critical' || a.severity === 'high' || a.severity === 'error';
    item.iconPath = new vscode.ThemeIcon(critical ? 'flame' : 'warning', new vscode.ThemeColor(critical ? 'errorForeground' : 'problemsWarningIcon.foreground'));
    item.contextValue = 'alert';
    return item;
  }
}
