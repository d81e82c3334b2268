import * as vscode from 'vscode';
import { displayText } from '../../gateway/core/display-text';
import type { AuditSummary } from '../admin/admin-types';
import type { AuditStore } from '../audit/audit-store';
import { usageText } from '../audit/usage-text';
import { Disposable } from '../common/lifecycle';

/** Fields to filter and group on; kind=admin shows what admins did (reads of the log, decisions, reloads). */
export const auditFields = ['decision', 'principal', 'model', 'kind'] as const;
export type AuditField = (typeof auditFields)[number];
export type AuditGroupBy = AuditField | 'none';
export type AuditFilter = Partial<Record<AuditField, string>>;

type Node = { kind: 'group'; field: AuditField; value: string; records: AuditSummary[] } | { kind: 'record'; record: AuditSummary };

/** A request refused by policy, by an approver, or by identity (401/403). */
export function isDenial(r: AuditSummary): boolean {
  return r.decision === 'deny' || r.decision === 'denied' || r.status === 401 || r.status === 403 || /denied/.test(r.kind);
}

/**
 * Denials (and failures) must stand out in a long list: a red icon. The steps of one request differ:
 * arrival (it came in), approval steps (asked, approved), outcome (how it ended).
 */
export function recordIcon(r: AuditSummary): vscode.ThemeIcon {
  if (isDenial(r)) return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  if (r.status !== undefined && r.status >= 500) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  if (r.kind === 'arrival') return new vscode.ThemeIcon('arrow-right');
  if (r.kind === 'admin') return new vscode.ThemeIcon('shield');
  if (r.kind === 'approval_approved') return new vscode.ThemeIcon('check', new vscode.ThemeColor('charts.green'));
  if (r.kind.startsWith('approval') || (r.decision === 'require_approval' && r.kind !== 'outcome')) return new vscode.ThemeIcon('question', new vscode.ThemeColor('charts.yellow'));
  if (r.kind === 'outcome' || r.decision === 'allow') return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
  return new vscode.ThemeIcon('circle-outline');
}

/** The Audit Log view: newest first, optionally grouped by and filtered on decision, principal, model, kind. */
export class AuditLogTreeProvider extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;
  groupBy: AuditGroupBy = 'none';
  filter: AuditFilter = {};

  constructor(private readonly store: AuditStore) {
    super();
    this.register(store.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire();
  }

  setGroupBy(groupBy: AuditGroupBy): void {
    this.groupBy = groupBy;
    this.refresh();
  }

  setFilter(filter: AuditFilter): void {
    this.filter = filter;
    void vscode.commands.executeCommand('setContext', 'gatehouse.auditFiltered', Object.keys(filter).length > 0);
    this.refresh();
  }

  /** "decision=deny, model=gpt-4o" for the view's description. */
  describeFilter(): string {
    return Object.entries(this.filter).map(([k, v]) => `${k}=${v}`).join(', ');
  }

  /** The visible records, newest first (the filter applied). */
  visibleRecords(): AuditSummary[] {
    const entries = Object.entries(this.filter) as [AuditField, string][];
    return this.store.records.filter((r) => entries.every(([k, v]) => (r[k] ?? '') === v));
  }

  getChildren(node?: Node): Node[] {
    if (node?.kind === 'group') return node.records.map((record) => ({ kind: 'record', record }));
    const records = this.visibleRecords();
    if (this.groupBy === 'none') return records.map((record) => ({ kind: 'record', record }));
    const field = this.groupBy;
    const groups = new Map<string, AuditSummary[]>();
    for (const r of records) {
      const key = r[field] ?? '(none)';
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return [...groups].map(([value, list]) => ({ kind: 'group', field, value, records: list }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(displayText(node.value), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.field}:${node.value}`;
      item.description = `${node.records.length}`;
      item.contextValue = 'auditGroup';
      item.iconPath = node.field === 'decision' ? recordIcon(node.records[0]) : new vscode.ThemeIcon(node.field === 'principal' ? 'person' : 'hubot');
      return item;
    }
    const r = node.record;
    // Principal, model and path come from callers: control characters are shown escaped.
    const item = new vscode.TreeItem(displayText(r.principal ?? r.kind), vscode.TreeItemCollapsibleState.None);
    item.id = `record:${r.id}:${this.groupBy}`;
    item.description = displayText([r.kind, r.decision, r.method && r.path ? `${r.method} ${r.path}` : undefined, r.model, r.status, usageText(r), shortTime(r.time)]
      .filter((x) => x !== undefined && x !== '')
      .join(' · '));
    // Plain text, not Markdown: a caller's model name must not become a link or an image.
    item.tooltip = [`#${r.seq} ${r.id}`, ...Object.entries(r).filter(([k, v]) => v !== undefined && k !== 'id' && k !== 'seq').map(([k, v]) => `${k}: ${displayText(String(v))}`)].join('\n');
    item.iconPath = recordIcon(r);
    item.contextValue = 'auditRecord';
    item.command = { command: 'gatehouse.openAuditRecord', title: 'Open Audit Record', arguments: [r] };
    return item;
  }
}

const shortTime = (iso?: string) => (iso ? new Date(iso).toLocaleTimeString() : undefined);
