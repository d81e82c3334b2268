import * as vscode from 'vscode';
import type { AuditSummary } from '../admin/admin-types';
import { auditRecordUri } from '../audit/audit-record-provider';
import type { AuditStore } from '../audit/audit-store';
import type { GatewayInfoStore } from '../gateway/gateway-info-store';
import { auditFields, type AuditField, type AuditFilter, type AuditGroupBy, type AuditLogTreeProvider } from '../views/audit-log-tree-provider';

/** Open Audit Record, Verify Audit Chain, and the Audit Log view's filter and grouping. */
export function registerAuditCommands(store: AuditStore, info: GatewayInfoStore, auditView: AuditLogTreeProvider, treeView: vscode.TreeView<unknown>): vscode.Disposable[] {
  const describeView = () => (treeView.description = auditView.describeFilter() || undefined);
  return [
    vscode.commands.registerCommand('gatehouse.openAuditRecord', async (arg?: AuditSummary | string) => {
      let id = typeof arg === 'string' ? arg : arg?.id;
      if (!id) {
        const pick = await vscode.window.showQuickPick(
          store.records.map((r) => ({ label: `#${r.seq} ${r.principal ?? r.kind}`, description: [r.kind, r.decision, r.model].filter(Boolean).join(' · '), id: r.id })),
          { title: 'Open Audit Record', matchOnDescription: true },
        );
        id = pick?.id;
      }
      if (!id) return undefined;
      const doc = await vscode.workspace.openTextDocument(auditRecordUri(id));
      await vscode.languages.setTextDocumentLanguage(doc, 'json');
      return vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand('gatehouse.verifyAuditChain', async () => {
      const chain = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Verifying the audit chain…' },
        () => info.verifyChain(),
      );
      if (chain.error) void vscode.window.showErrorMessage(`Audit chain check failed: ${chain.error}`);
      else if (!chain.report!.findings.length) void vscode.window.showInformationMessage(`Audit chain intact: ${chain.report!.records.total} records verified.`);
      else {
        const problems = chain.report!.findings;
        void vscode.window.showErrorMessage(`Audit chain BROKEN: ${problems.length} problem(s). First: ${problems[0]?.message ?? 'unknown'}`);
      }
      return chain;
    }),
    vscode.commands.registerCommand('gatehouse.groupAuditLog', async (groupBy?: AuditGroupBy) => {
      groupBy ??= (await vscode.window.showQuickPick(
        (['none', ...auditFields] as AuditGroupBy[]).map((g) => ({ label: g === 'none' ? 'No grouping' : `By ${g}`, g, picked: g === auditView.groupBy })),
        { title: 'Group the Audit Log' },
      ))?.g;
      if (groupBy) auditView.setGroupBy(groupBy);
    }),
    vscode.commands.registerCommand('gatehouse.filterAuditLog', async (filter?: AuditFilter) => {
      if (!filter) {
        const text = await vscode.window.showInputBox({
          title: 'Filter the Audit Log',
          prompt: `Space-separated field=value pairs; fields: ${auditFields.join(', ')} (kind=admin: what admins did). Empty clears.`,
          placeHolder: 'decision=deny principal=ci-deployer',
          value: Object.entries(auditView.filter).map(([k, v]) => `${k}=${v}`).join(' '),
          validateInput: (v) => (parseFilter(v) ? undefined : `Use ${auditFields.map((f) => `${f}=…`).join(', ')}`),
        });
        if (text === undefined) return;
        filter = parseFilter(text)!;
      }
      auditView.setFilter(filter);
      describeView();
    }),
    vscode.commands.registerCommand('gatehouse.clearAuditFilter', () => {
      auditView.setFilter({});
      describeView();
    }),
  ];
}

function parseFilter(text: string): AuditFilter | undefined {
  const filter: AuditFilter = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const [k, ...v] = pair.split('=');
    if (!(auditFields as readonly string[]).includes(k) || !v.join('=')) return undefined;
    filter[k as AuditField] = v.join('=');
  }
  return filter;
}
