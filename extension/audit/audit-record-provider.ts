import * as vscode from 'vscode';
import type { ApprovalStore } from '../approvals/approval-store';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';

export const AUDIT_SCHEME = 'gatehouse-audit';

/** `gatehouse-audit:/records/<id>.json`: the full masked audit record, as the admin API returns it. */
export const auditRecordUri = (id: string) => vscode.Uri.from({ scheme: AUDIT_SCHEME, path: `/records/${encodeURIComponent(id)}.json` });
/** `gatehouse-audit:/approvals/<id>.json`: a pending approval as the gateway announced it. */
export const approvalUri = (id: string) => vscode.Uri.from({ scheme: AUDIT_SCHEME, path: `/approvals/${encodeURIComponent(id)}.json` });

/**
 * Read-only JSON documents for audit records and approvals. Content providers give read-only
 * editors by construction, which is what an audit record should be.
 */
export class AuditRecordProvider implements vscode.TextDocumentContentProvider {
  constructor(
    private readonly connection: GatewayConnectionService,
    private readonly approvals: ApprovalStore,
  ) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const m = /^\/(records|approvals)\/(.+)\.json$/.exec(uri.path);
    if (!m) throw new Error(`Not a Gatehouse document: ${uri.toString()}`);
    const id = decodeURIComponent(m[2]);
    if (m[1] === 'approvals') {
      const approval = this.approvals.get(id);
      const resolution = this.approvals.resolution(id);
      return JSON.stringify(approval ? { state: 'pending', ...approval } : (resolution ?? { id, state: 'unknown' }), null, 2) + '\n';
    }
    const client = this.connection.client;
    if (!client) throw new Error('No gateway is running or connected.');
    return JSON.stringify(await client.getAudit(id), null, 2) + '\n';
  }
}
