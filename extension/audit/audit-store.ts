import * as vscode from 'vscode';
import type { AuditSummary } from '../admin/admin-types';
import { Disposable } from '../common/lifecycle';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';

/**
 * The live tail of the audit log: the newest records fetched on connect, then every
 * `audit.appended` event. Kept newest first, deduplicated by id (a resumed stream may repeat).
 */
export class AuditStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private byId = new Map<string, AuditSummary>();
  private sorted: AuditSummary[] = [];
  /** Set when the initial fetch fails (e.g. the gateway predates the audit API). */
  loadError: string | undefined;

  constructor(
    private readonly connection: GatewayConnectionService,
    private readonly maxRecords: () => number,
  ) {
    super();
    this.register(connection.onDidChange(() => void this.reload()));
    this.register(
      connection.onEvent((e) => {
        if (e.name === 'audit.appended') this.add([e.data]);
      }),
    );
  }

  /** Newest first. */
  get records(): readonly AuditSummary[] {
    return this.sorted;
  }

  get(id: string): AuditSummary | undefined {
    return this.byId.get(id);
  }

  async reload(): Promise<void> {
    this.byId = new Map();
    this.sorted = [];
    this.loadError = undefined;
    const client = this.connection.client;
    this.changed.fire();
    if (!client) return;
    try {
      this.add(await client.listAudit({ limit: Math.min(this.maxRecords(), 1000) })); // the API caps limit at 1000
    } catch (e) {
      if (client !== this.connection.client) return;
      this.loadError = (e as Error).message;
      this.changed.fire();
    }
  }

  private add(records: AuditSummary[]): void {
    for (const r of records) this.byId.set(r.id, { ...this.byId.get(r.id), ...r });
    this.sorted = [...this.byId.values()].sort((a, b) => b.seq - a.seq);
    const max = this.maxRecords();
    if (this.sorted.length > max) {
      for (const r of this.sorted.splice(max)) this.byId.delete(r.id);
    }
    this.changed.fire();
  }
}
