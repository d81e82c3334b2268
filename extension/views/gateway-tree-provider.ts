import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import type { FleetInstance } from '../../gateway/core/admin-api';
import { displayText } from '../../gateway/core/display-text';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';
import type { GatewayInfoStore } from '../gateway/gateway-info-store';

interface Row {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon: vscode.ThemeIcon;
  contextValue?: string;
  children?: Row[];
}

const icon = (id: string, color?: string) => new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
const shortVersion = (v: string) => (v ? v.replace(/^sha256:/, '').slice(0, 12) : 'unknown');

/** One instance: its name, state, policy version (flagged when it differs from the fleet's), last heartbeat and readiness. */
function instanceRow(i: FleetInstance): Row {
  const health = i.state !== 'running' ? i.state : i.ready ? 'ready' : 'not ready';
  const parts = [`${health}${i.self ? ' (this one)' : ''}`, `policy ${shortVersion(i.policyVersion)}${i.policyDiffers ? ' ≠ fleet' : ''}`, `seen ${new Date(i.lastSeen).toLocaleTimeString()}`];
  const tooltip = [
    `${i.name} (${i.id})`,
    `policy version ${i.policyVersion || 'unknown'}${i.policyDiffers ? ': differs from the fleet\'s' : ''}`,
    `started ${new Date(i.startedAt).toLocaleString()}, last heartbeat ${new Date(i.lastSeen).toLocaleString()}`,
    ...(i.stoppedAt ? [`stopped ${new Date(i.stoppedAt).toLocaleString()}`] : []),
    ...i.notReady.map((r) => `not ready: ${r}`),
  ].join('\n');
  const [iconId, color] = i.state === 'stopped' ? ['vm-outline'] : i.state === 'silent' ? ['debug-disconnect', 'problemsWarningIcon.foreground'] : i.policyDiffers || !i.ready ? ['warning', 'problemsWarningIcon.foreground'] : ['vm-running', 'testing.iconPassed'];
  return { id: `instance-${i.id}`, label: i.name, description: parts.join(' · '), tooltip, icon: icon(iconId!, color), contextValue: i.policyDiffers ? 'instancePolicyDiffers' : 'instance' };
}

/**
 * The Gateway view: state, addresses, policy version with its last reload result, the fleet's
 * instances (a differing policy version flagged), audit chain status and the event stream. Empty (so the welcome content shows) when nothing is connected.
 */
export class GatewayTreeProvider extends Disposable implements vscode.TreeDataProvider<Row> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly connection: GatewayConnectionService,
    private readonly info: GatewayInfoStore,
  ) {
    super();
    this.register(connection.onDidChange(() => this.refresh()));
    this.register(info.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(row: Row): vscode.TreeItem {
    const item = new vscode.TreeItem(displayText(row.label), row.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = row.id;
    item.description = row.description === undefined ? undefined : displayText(row.description);
    item.tooltip = row.tooltip === undefined ? undefined : displayText(row.tooltip, { keepNewlines: true });
    item.iconPath = row.icon;
    item.contextValue = row.contextValue;
    return item;
  }

  getChildren(row?: Row): Row[] {
    if (row) return row.children ?? [];
    const s = this.connection.state;
    if (s.kind === 'none' || s.kind === 'crashed') return [];
    if (s.kind === 'starting') return [{ id: 'state', label: 'Starting…', icon: icon('sync~spin') }];
    const rows: Row[] =
      s.kind === 'local'
        ? [
            { id: 'state', label: 'Running', description: `local, pid ${s.pid}`, icon: icon('vm-running', 'testing.iconPassed'), contextValue: 'gatewayLocal' },
            { id: 'data', label: 'Data', description: s.dataUrl, tooltip: 'Point SDKs here (base URL + /v1)', icon: icon('globe'), contextValue: 'address' },
            { id: 'admin', label: 'Admin', description: s.adminUrl, icon: icon('lock'), contextValue: 'address' },
          ]
        : [
            { id: 'state', label: 'Connected', description: 'remote', icon: icon('plug', 'testing.iconPassed'), contextValue: 'gatewayRemote' },
            { id: 'admin', label: 'Admin', description: s.adminUrl, icon: icon('lock'), contextValue: 'address' },
          ];
    const instances = this.instancesRow();
    return [...rows, this.policyRow(), ...(instances ? [instances] : []), this.chainRow(), this.streamRow()];
  }

  /** The fleet's instances (embedded: this one), a policy version that differs from the fleet's flagged. */
  private instancesRow(): Row | undefined {
    const list = this.info.instances;
    if (!list) return undefined;
    const running = list.data.filter((i) => i.state === 'running').length;
    return {
      id: 'instances',
      label: 'Instances',
      description: `${running} running${list.policyVersionsDiffer ? ' · policy versions differ' : ''}`,
      icon: icon('server-environment', list.policyVersionsDiffer ? 'problemsWarningIcon.foreground' : undefined),
      contextValue: list.policyVersionsDiffer ? 'instancesPolicyDiffers' : 'instances',
      children: list.data.map((i) => instanceRow(i)),
    };
  }

  private policyRow(): Row {
    const { policy, lastReload } = this.info;
    const row: Row = { id: 'policy', label: 'Policy', description: policy?.version ? `version ${policy.version.replace(/^sha256:/, '').slice(0, 12)}` : 'version unknown', icon: icon('law'), tooltip: policy?.files?.join('\n') };
    if (lastReload?.ok === false) {
      row.description += ` · last reload failed (${lastReload.errors.length} error${lastReload.errors.length === 1 ? '' : 's'})`;
      row.icon = icon('law', 'errorForeground');
      row.children = lastReload.errors.map((e, i) => ({
        id: `policy-error-${i}`,
        label: `${e.file}${e.line ? `:${e.line}` : ''}`,
        description: `${e.path} ${e.message}`,
        icon: icon('error', 'errorForeground'),
      }));
    } else if (lastReload?.ok) {
      row.description += ` · reloaded ${lastReload.at.toLocaleTimeString()}`;
    }
    return row;
  }

  private chainRow(): Row {
    const chain = this.info.chain;
    const base = { id: 'chain', label: 'Audit chain', contextValue: 'auditChain' };
    if (!chain) return { ...base, description: 'not verified yet', icon: icon('shield') };
    if (chain.error) return { ...base, description: `check failed: ${chain.error}`, icon: icon('shield', 'errorForeground') };
    const report = chain.report!;
    const when = chain.at.toLocaleTimeString();
    const findings = report.findings;
    if (!findings.length) return { ...base, description: `intact · ${report.records.total} records · ${when}`, icon: icon('verified-filled', 'testing.iconPassed') };
    return {
      ...base,
      description: `BROKEN · ${findings.length} problem${findings.length === 1 ? '' : 's'} · ${when}`,
      icon: icon('shield', 'errorForeground'),
      children: findings.slice(0, 50).map((p, i) => ({ id: `chain-problem-${i}`, label: p.kind, description: `${p.seq !== undefined ? `#${p.seq} ` : ''}${p.message}`, icon: icon('error', 'errorForeground') })),
    };
  }

  private streamRow(): Row {
    const status = this.connection.streamStatus;
    const ok = status === 'open';
    return { id: 'stream', label: 'Live events', description: status, icon: icon(ok ? 'radio-tower' : 'debug-disconnect', ok ? undefined : 'problemsWarningIcon.foreground') };
  }
}
