import * as vscode from 'vscode';
import type { AuditStore } from '../audit/audit-store';
import { AUDIT_SCHEME } from '../audit/audit-record-provider';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';
import { fileSample, MaskingPreviewPanel, type AuditSamples, type PreviewSample } from '../webview/masking-preview-panel';
import { pickPolicyFile, registerPolicyCommands } from './policy-commands';
import { PolicyDiagnostics } from './policy-diagnostics';
import { YAML_SELECTOR } from './policy-documents';
import { PolicyCodeActionProvider, SchemaCompletionProvider, SchemaHoverProvider } from './policy-language-features';
import { PolicyTestCodeLensProvider, PolicyTestRunner } from './policy-test-runner';

/**
 * Policy authoring (diagnostics, completion, hover, quick fixes, tests) and the masking/decision
 * preview. Cheap to call: nothing parses until a policy or gateway config document is open.
 */
export function registerPolicyFeatures(context: vscode.ExtensionContext, connection: GatewayConnectionService, audit: AuditStore, log: vscode.LogOutputChannel) {
  const diagnostics = new PolicyDiagnostics();
  const tests = new PolicyTestRunner();
  const auditSamples: AuditSamples = {
    available: () => !!connection.client,
    pick: () => pickAuditSample(connection, audit),
  };
  const previewMasking = async (arg?: vscode.Uri): Promise<MaskingPreviewPanel | undefined> => {
    // An argument may be the policy, or a sample (a JSON file, an audit record document).
    let sample: PreviewSample | undefined;
    let policy: vscode.Uri | undefined;
    if (arg?.scheme === AUDIT_SCHEME) sample = auditRecordSample((await vscode.workspace.openTextDocument(arg)).getText(), arg.path);
    else if (arg && /\.json$/i.test(arg.path)) sample = await fileSample(arg);
    else policy = arg;
    policy ??= lastPolicy ?? (await pickPolicyFile('Preview Masking'));
    if (!policy) return undefined;
    return MaskingPreviewPanel.createOrShow(context.extensionUri, policy, auditSamples, log, sample);
  };
  let lastPolicy: vscode.Uri | undefined;
  const trackPolicy = (editor: vscode.TextEditor | undefined) => {
    if (editor && /\.policy\.ya?ml$/i.test(editor.document.uri.path)) lastPolicy = editor.document.uri;
  };
  trackPolicy(vscode.window.activeTextEditor);
  return [
    diagnostics,
    tests,
    vscode.window.onDidChangeActiveTextEditor(trackPolicy),
    vscode.languages.registerCompletionItemProvider(YAML_SELECTOR, new SchemaCompletionProvider(), ' ', ':'),
    vscode.languages.registerHoverProvider(YAML_SELECTOR, new SchemaHoverProvider()),
    vscode.languages.registerCodeActionsProvider(YAML_SELECTOR, new PolicyCodeActionProvider(diagnostics), PolicyCodeActionProvider.metadata),
    vscode.languages.registerCodeLensProvider(YAML_SELECTOR, new PolicyTestCodeLensProvider(tests)),
    ...registerPolicyCommands(tests),
    vscode.commands.registerCommand('gatehouse.previewMasking', previewMasking),
    vscode.commands.registerCommand('gatehouse.previewDecision', async (arg?: vscode.Uri) => {
      const panel = await previewMasking(arg);
      panel?.showTab('decision');
      return panel;
    }),
    { dispose: () => MaskingPreviewPanel.current?.dispose() },
  ];
}

/** An audit record's (already masked) request body as a sample. */
export function auditRecordSample(recordText: string, id: string): PreviewSample {
  const record = JSON.parse(recordText) as { id?: string; seq?: number; requestBody?: unknown };
  const body = record.requestBody;
  return {
    id: `audit:${record.id ?? id}`,
    label: `Audit record #${record.seq ?? '?'}`,
    text: typeof body === 'string' ? body : JSON.stringify(body ?? {}, null, 2),
  };
}

async function pickAuditSample(connection: GatewayConnectionService, audit: AuditStore): Promise<PreviewSample | undefined> {
  const client = connection.client;
  if (!client) {
    void vscode.window.showWarningMessage('Start or connect to a gateway to use audit records as samples.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    audit.records.filter((r) => r.kind === 'arrival' || r.kind === 'denied' || r.kind === 'approval_requested').map((r) => ({ label: `#${r.seq} ${r.principal ?? ''}`, description: [r.decision, r.model].filter(Boolean).join(' · '), id: r.id })),
    { title: 'Sample from an audit record', placeHolder: 'The request body (as the audit log stored it) becomes the sample' },
  );
  if (!pick) return undefined;
  return auditRecordSample(JSON.stringify(await client.getAudit(pick.id)), pick.id);
}
