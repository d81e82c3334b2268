import * as vscode from 'vscode';
import type { GatewayEvents, PolicyInfo, VerifyReport } from '../../gateway/core/admin-api';
import { Disposable } from '../common/lifecycle';
import type { GatewayConnectionService } from './gateway-connection-service';

export type ReloadResult =
  | { ok: true; at: Date; version: string }
  | { ok: false; at: Date; errors: GatewayEvents['policy.reload_failed']['errors'] };

export interface ChainStatus {
  at: Date;
  report?: VerifyReport;
  error?: string;
}

/** What the Gateway view shows besides the connection: policy version, last reload, chain status. */
export class GatewayInfoStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  policy: PolicyInfo | undefined;
  lastReload: ReloadResult | undefined;
  chain: ChainStatus | undefined;

  constructor(private readonly connection: GatewayConnectionService) {
    super();
    this.register(connection.onDidChange(() => void this.reload()));
    this.register(connection.onDidChangeStreamStatus(() => this.changed.fire()));
    this.register(
      connection.onEvent((e) => {
        if (e.name === 'policy.reloaded') {
          this.policy = { ...this.policy, version: e.data.version, files: e.data.files };
          this.lastReload = { ok: true, at: new Date(), version: e.data.version };
        } else if (e.name === 'policy.reload_failed') {
          this.lastReload = { ok: false, at: new Date(), errors: e.data.errors };
        } else if (e.name === 'audit.failed') {
          this.chain = { at: new Date(), error: e.data.message };
        } else if (e.name === 'audit.recovered') {
          // The failure shown is over; the chain itself is as unverified as before it.
          if (this.chain?.error) this.chain = undefined;
        } else return;
        this.changed.fire();
      }),
    );
  }

  /** Runs `GET /admin/audit/verify` and keeps the result. */
  async verifyChain(): Promise<ChainStatus> {
    const client = this.connection.client;
    if (!client) throw new Error('No gateway is running or connected.');
    try {
      this.chain = { at: new Date(), report: await client.verifyAudit() };
    } catch (e) {
      this.chain = { at: new Date(), error: (e as Error).message };
    }
    this.changed.fire();
    return this.chain;
  }

  private async reload(): Promise<void> {
    this.policy = undefined;
    this.lastReload = undefined;
    this.chain = undefined;
    this.changed.fire();
    const client = this.connection.client;
    if (!client) return;
    try {
      this.policy = await client.policy();
      this.changed.fire();
    } catch {
      // shown as "unknown"; older gateways may not serve /admin/policy
    }
  }
}
