import * as vscode from 'vscode';
import type { PendingApproval } from '../admin/admin-types';
import { Disposable } from '../common/lifecycle';
import { getSettings } from '../common/settings';
import type { ApprovalActions } from './approval-actions';
import { describeApproval } from './approval-text';
import type { ApprovalStore } from './approval-store';

/**
 * The approval toast: "ci-deployer wants POST /v1/fine_tuning/jobs on gpt-4o — rule
 * fine-tune-needs-approval" with Approve, Deny and Details.
 *
 * The API cannot close a notification, so a toast whose request was decided elsewhere or timed
 * out stays until it expires into the notification centre; when it is clicked anyway,
 * ApprovalActions answers "This request was already approved by alice." instead of failing.
 */
export class ApprovalNotifier extends Disposable {
  constructor(
    store: ApprovalStore,
    private readonly actions: ApprovalActions,
  ) {
    super();
    this.register(store.onDidRequest((a) => void this.notify(a)));
  }

  async notify(approval: PendingApproval): Promise<void> {
    if (!getSettings().approvalNotifications) return;
    const choice = await vscode.window.showWarningMessage(describeApproval(approval), 'Approve', 'Deny', 'Details');
    if (choice === 'Approve') await this.actions.decide(approval, 'approve');
    else if (choice === 'Deny') await this.actions.decide(approval, 'deny');
    else if (choice === 'Details') await vscode.commands.executeCommand('gatehouse.showApprovalDetails', approval);
  }
}
