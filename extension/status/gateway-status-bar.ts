import * as vscode from 'vscode';
import type { ApprovalStore } from '../approvals/approval-store';
import { Disposable } from '../common/lifecycle';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';

export const STATUS_BAR_ID = 'gatehouse.status';

/** One status bar item: gateway state and address, and the number of requests waiting for approval. */
export class GatewayStatusBar extends Disposable {
  private readonly item = this.register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 50));

  constructor(
    private readonly connection: GatewayConnectionService,
    private readonly approvals: ApprovalStore,
  ) {
    super();
    this.item.name = 'Gatehouse';
    this.item.command = 'workbench.view.extension.gatehouse';
    this.register(connection.onDidChange(() => this.update()));
    this.register(approvals.onDidChange(() => this.update()));
    this.update();
    this.item.show();
  }

  private update(): void {
    const s = this.connection.state;
    const pending = s.kind === 'local' || s.kind === 'remote' ? this.approvals.pending.length : 0;
    void vscode.commands.executeCommand('setContext', 'gatehouse.pendingApprovals', pending);
    const bell = pending ? `  $(bell-dot) ${pending}` : '';
    const host = (url: string) => new URL(url).host;
    switch (s.kind) {
      case 'none':
        this.set('$(circle-slash) Gatehouse: stopped', 'No gateway running. Click to open the Gatehouse view.');
        break;
      case 'starting':
        this.set('$(sync~spin) Gatehouse: starting', 'Starting the gateway…');
        break;
      case 'crashed':
        this.set('$(error) Gatehouse: crashed', s.message, 'statusBarItem.errorBackground');
        break;
      case 'local':
        this.set(`$(shield) Gatehouse: running ${host(s.dataUrl)}${bell}`, `Gateway running (pid ${s.pid})\ndata ${s.dataUrl}\nadmin ${s.adminUrl}\n${pending} pending approval(s)`, pending ? 'statusBarItem.warningBackground' : undefined);
        break;
      case 'remote':
        this.set(`$(plug) Gatehouse: connected ${host(s.adminUrl)}${bell}`, `Connected to ${s.adminUrl}\n${pending} pending approval(s)`, pending ? 'statusBarItem.warningBackground' : undefined);
        break;
    }
  }

  private set(text: string, tooltip: string, background?: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
  }
}
