import * as vscode from 'vscode';
import { AdminApiError } from '../admin/admin-client';
import type { ApprovalVerdict } from '../../gateway/core/admin-api';
import type { PendingApproval } from '../admin/admin-types';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';
import type { ApprovalStore, Resolution } from './approval-store';
import { describeApproval } from './approval-text';

export type DecideOutcome =
  | { kind: 'decided'; decision: ApprovalVerdict }
  | { kind: 'too-late'; message: string }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

const PAST: Record<Resolution['state'], string> = { approved: 'approved', denied: 'denied', timeout: 'timed out', withdrawn: 'withdrawn by its caller', abandoned: 'abandoned (its gateway instance stopped)' };

/** "already approved by alice (…)": what a stale toast or tree item answers. */
export function describeResolution(r: Resolution): string {
  const by = r.by && (r.state === 'approved' || r.state === 'denied') ? ` by ${r.by}` : '';
  return `This request was already ${PAST[r.state]}${by}.`;
}

/**
 * Approve and Deny, shared by the toast, the tree items and the palette. A request decided
 * elsewhere or timed out is not an error: the answer says what happened to it.
 */
export class ApprovalActions {
  constructor(
    private readonly connection: GatewayConnectionService,
    private readonly store: ApprovalStore,
  ) {}

  /**
   * Decides one request. `reason` undefined asks for an optional reason when denying
   * (Escape cancels the denial; an empty answer denies without one).
   */
  async decide(approval: PendingApproval, decision: ApprovalVerdict, reason?: string): Promise<DecideOutcome> {
    const known = this.store.resolution(approval.id);
    if (known) return this.tell({ kind: 'too-late', message: describeResolution(known) });
    const client = this.connection.client;
    if (!client) return this.tell({ kind: 'failed', message: 'No gateway is running or connected.' });
    if (decision === 'deny' && reason === undefined) {
      reason = await vscode.window.showInputBox({
        title: `Deny: ${describeApproval(approval)}`,
        prompt: 'Reason (optional; the caller sees it in the error message)',
        placeHolder: 'e.g. fine-tuning needs a ticket',
        ignoreFocusOut: true,
      });
      if (reason === undefined) return { kind: 'cancelled' };
    }
    try {
      await client.decide(approval.id, decision, reason || undefined);
      this.store.resolve({ id: approval.id, state: decision === 'approve' ? 'approved' : 'denied', by: 'you', reason });
      return this.tell({ kind: 'decided', decision }, approval);
    } catch (e) {
      if (e instanceof AdminApiError && [404, 409, 410].includes(e.status)) {
        const resolution = this.store.resolution(approval.id) ?? (await this.lookUp(approval.id)) ?? resolutionFromError(approval.id, e);
        if (resolution) this.store.resolve(resolution);
        return this.tell({ kind: 'too-late', message: resolution ? describeResolution(resolution) : `This request is no longer waiting (${e.message}).` });
      }
      return this.tell({ kind: 'failed', message: `Could not ${decision} the request: ${(e as Error).message}` });
    }
  }

  /** Asks the gateway how a request that is no longer pending ended. */
  private async lookUp(id: string): Promise<Resolution | undefined> {
    try {
      const view = await this.connection.client?.getApproval(id);
      if (!view || view.state === 'pending') return undefined;
      const by = view.state === 'denied' ? view.deniedBy?.subject : view.approvals?.map((a) => a.subject).join(', ');
      return { id, state: view.state, ...(by ? { by } : {}), ...(view.reason ? { reason: view.reason } : {}) };
    } catch {
      return undefined;
    }
  }

  private tell(outcome: DecideOutcome, approval?: PendingApproval): DecideOutcome {
    if (outcome.kind === 'decided') {
      void vscode.window.showInformationMessage(`${outcome.decision === 'approve' ? 'Approved' : 'Denied'}: ${describeApproval(approval!)}`);
    } else if (outcome.kind === 'too-late') {
      void vscode.window.showInformationMessage(outcome.message);
    } else if (outcome.kind === 'failed') {
      void vscode.window.showErrorMessage(outcome.message);
    }
    return outcome;
  }
}

/** Without the approval itself: 410 means it timed out or was withdrawn; 409 may name its state in details. */
function resolutionFromError(id: string, e: AdminApiError): Resolution | undefined {
  const body = e.body as { error?: { details?: { state?: string; by?: string } } } | undefined;
  const details = body?.error?.details;
  const state = details?.state;
  if (state === 'approved' || state === 'denied' || state === 'timeout' || state === 'withdrawn') return { id, state, by: details?.by };
  if (e.status === 410) return { id, state: 'timeout' };
  return undefined;
}
