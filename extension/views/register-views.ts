import * as vscode from 'vscode';
import type { AlertStore } from '../alerts/alert-store';
import type { ApprovalStore } from '../approvals/approval-store';
import type { AuditStore } from '../audit/audit-store';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';
import type { GatewayInfoStore } from '../gateway/gateway-info-store';
import { AlertsTreeProvider } from './alerts-tree-provider';
import { ApprovalsTreeProvider } from './approvals-tree-provider';
import { AuditLogTreeProvider } from './audit-log-tree-provider';
import { GatewayTreeProvider } from './gateway-tree-provider';

export interface GatehouseViews {
  gateway: GatewayTreeProvider;
  approvals: ApprovalsTreeProvider;
  auditLog: AuditLogTreeProvider;
  alerts: AlertsTreeProvider;
  auditTreeView: vscode.TreeView<unknown>;
  disposables: vscode.Disposable[];
}

/** The four views of the "Gatehouse" activity-bar container (ids as in package.json). */
export function registerViews(connection: GatewayConnectionService, info: GatewayInfoStore, approvals: ApprovalStore, audit: AuditStore, alerts: AlertStore): GatehouseViews {
  const views = {
    gateway: new GatewayTreeProvider(connection, info),
    approvals: new ApprovalsTreeProvider(approvals),
    auditLog: new AuditLogTreeProvider(audit),
    alerts: new AlertsTreeProvider(alerts),
  };
  const auditTreeView = vscode.window.createTreeView('gatehouse.auditLog', { treeDataProvider: views.auditLog }) as vscode.TreeView<unknown>;
  const approvalsView = vscode.window.createTreeView('gatehouse.approvals', { treeDataProvider: views.approvals });
  const badge = () => {
    const n = approvals.pending.length;
    approvalsView.badge = n ? { value: n, tooltip: `${n} request(s) waiting for approval` } : undefined;
  };
  return {
    ...views,
    auditTreeView,
    disposables: [
      ...Object.values(views),
      auditTreeView,
      approvalsView,
      approvals.onDidChange(badge),
      vscode.window.registerTreeDataProvider('gatehouse.gateway', views.gateway),
      vscode.window.registerTreeDataProvider('gatehouse.alerts', views.alerts),
    ],
  };
}
