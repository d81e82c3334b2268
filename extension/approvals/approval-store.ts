import * as vscode from 'vscode';
import type { GatewayEvents } from '../../gateway/core/admin-api';
import type { PendingApproval } from '../admin/admin-types';
import { Disposable } from '../common/lifecycle';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';

export type Resolution = GatewayEvents['approval.resolved'];

/**
 * Requests waiting for a decision, from `GET /admin/approvals?state=pending` and the
 * `approval.requested` / `approval.resolved` events. It also remembers recent resolutions, so an
 * action on a stale toast can say "already approved by X" without asking the gateway.
 */
export class ApprovalStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly requestedEmitter = this.register(new vscode.EventEmitter<PendingApproval>());
  /** A new request needs a decision (fires for events only, not for the initial list). */
  readonly onDidRequest = this.requestedEmitter.event;
  private readonly pendingById = new Map<string, PendingApproval>();
  private readonly resolvedById = new Map<string, Resolution>();

  constructor(private readonly connection: GatewayConnectionService) {
    super();
    this.register(connection.onDidChange(() => void this.reload()));
    this.register(
      connection.onEvent((e) => {
        if (e.name === 'approval.requested') {
          if (this.resolvedById.has(e.data.id) || this.pendingById.has(e.data.id)) return;
          this.pendingById.set(e.data.id, e.data);
          this.changed.fire();
          // Replayed events (after a reconnect) arrive in bursts: announce only what is still
          // pending once the burst is processed, so no toast asks about a request already decided.
          setImmediate(() => {
            if (this.pendingById.has(e.data.id) && !this.isDisposed) this.requestedEmitter.fire(e.data);
          });
        } else if (e.name === 'approval.resolved') {
          this.resolve(e.data);
        }
      }),
    );
  }

  get pending(): PendingApproval[] {
    return [...this.pendingById.values()];
  }

  get(id: string): PendingApproval | undefined {
    return this.pendingById.get(id);
  }

  /** How the request was resolved, if this window has seen it resolved. */
  resolution(id: string): Resolution | undefined {
    return this.resolvedById.get(id);
  }

  /** Records a resolution learnt from an event or from the admin API's answer. */
  resolve(resolution: Resolution): void {
    this.resolvedById.set(resolution.id, resolution);
    if (this.resolvedById.size > 1000) this.resolvedById.delete(this.resolvedById.keys().next().value!);
    if (this.pendingById.delete(resolution.id)) this.changed.fire();
  }

  async reload(): Promise<void> {
    this.pendingById.clear();
    this.changed.fire();
    const client = this.connection.client;
    if (!client) return;
    try {
      for (const a of await client.pendingApprovals()) if (!this.resolvedById.has(a.id)) this.pendingById.set(a.id, a);
    } catch {
      // the Gateway view shows the connection's problems; an empty list is the honest answer here
    }
    this.changed.fire();
  }
}
