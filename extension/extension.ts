import * as vscode from 'vscode';
import { AlertStore } from './alerts/alert-store';
import { ApprovalActions } from './approvals/approval-actions';
import { ApprovalNotifier } from './approvals/approval-notifier';
import { ApprovalStore } from './approvals/approval-store';
import { AUDIT_SCHEME, AuditRecordProvider } from './audit/audit-record-provider';
import { AuditStore } from './audit/audit-store';
import { followSession } from './auth/connect-with-sign-in';
import { GatehouseAuthProvider } from './auth/gatehouse-auth-provider';
import { signInFlow } from './auth/sign-in-flow-setting';
import { registerApprovalCommands } from './commands/approval-commands';
import { registerAuditCommands } from './commands/audit-commands';
import { registerGatewayCommands } from './commands/gateway-commands';
import { getSettings } from './common/settings';
import { GatewayConnectionService } from './gateway/gateway-connection-service';
import { GatewayInfoStore } from './gateway/gateway-info-store';
import { resolveLaunch } from './gateway/gateway-launch';
import { GatewayProcessService } from './gateway/gateway-process-service';
import { registerPolicyFeatures } from './policy/register-policy-features';
import { GatewayStatusBar } from './status/gateway-status-bar';
import { registerViews } from './views/register-views';

let stopGateway: (() => Promise<void>) | undefined;

/** The composition root: builds the services, wires them, and registers every disposable. */
export function activate(context: vscode.ExtensionContext) {
  const log = vscode.window.createOutputChannel('Gatehouse', { log: true });
  const gateway = new GatewayProcessService(log, () => resolveLaunch(context));
  const connection = new GatewayConnectionService(gateway, context.secrets, context.globalState, log);
  const auth = new GatehouseAuthProvider(context.secrets, log, signInFlow);
  const info = new GatewayInfoStore(connection);
  const approvals = new ApprovalStore(connection);
  const audit = new AuditStore(connection, () => getSettings().auditMaxRecords);
  const alerts = new AlertStore(connection);
  const actions = new ApprovalActions(connection, approvals);
  const views = registerViews(connection, info, approvals, audit, alerts);
  stopGateway = () => gateway.stop();
  context.subscriptions.push(
    log, gateway, connection, auth, ...followSession(auth, connection), info, approvals, audit, alerts, ...views.disposables,
    new ApprovalNotifier(approvals, actions),
    new GatewayStatusBar(connection, approvals),
    vscode.workspace.registerTextDocumentContentProvider(AUDIT_SCHEME, new AuditRecordProvider(connection, approvals)),
    ...registerGatewayCommands(gateway, connection, auth, log),
    ...registerAuditCommands(audit, info, views.auditLog, views.auditTreeView),
    ...registerApprovalCommands(approvals, actions),
    ...registerPolicyFeatures(context, connection, audit, log),
  );
  // Returned for the extension-host tests; not a public API.
  return { gateway, connection, auth, info, approvals, audit, alerts, actions, views };
}

export type GatehouseTestApi = ReturnType<typeof activate>;

/** Stops a gateway this window started and waits for it to exit. */
export function deactivate(): Promise<void> | undefined {
  return stopGateway?.();
}
