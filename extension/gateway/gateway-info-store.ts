import * as vscode from 'vscode';
import type { GatewayEvents, InstanceList, PolicyInfo, VerifyReport } from '../../gateway/core/admin-api';
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

/** What the Gateway view shows besides the connection: policy version, last reload, chain status, the fleet's instances. */
export class GatewayInfoStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  policy: PolicyInfo | undefined;
  lastReload: ReloadResult | undefined;
  chain: ChainStatus | undefined;
  /** GET /admin/instances, re-read when an instance starts, stops, is gone or reloads (undefined: not read, or a gateway without the route). */
  instances: InstanceList | undefined;
  private instancesRead: Promise<void> | undefined;
  private instancesStale = false;

  constructor(private readonly connection: GatewayConnectionService) {
    super();
    this.register(connection.onDidChange(() => void this.reload()));
    this.register(connection.onDidChangeStreamStatus(() => this.changed.fire()));
    this.register(
      connection.onEvent((e) => {
        // A fleet's instance says instance.changed once its new version is in the fleet's table; embedded, the reload is the news.
        if (e.name === 'instance.changed') return void this.readInstances();
        if (e.name === 'policy.reloaded') {
          void this.readInstances();
          // Every instance's reloads reach this stream; the Policy row is the connected instance's.
          if (!this.isConnectedInstance(e.data.instance)) return;
          this.policy = { ...this.policy, version: e.data.version, files: e.data.files };
          this.lastReload = { ok: true, at: new Date(), version: e.data.version };
        } else if (e.name === 'policy.reload_failed') {
          if (!this.isConnectedInstance(e.data.instance)) return;
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
    this.instances = undefined;
    this.changed.fire();
    const client = this.connection.client;
    if (!client) return;
    void this.readInstances();
    try {
      this.policy = await client.policy();
      this.changed.fire();
    } catch {
      // shown as "unknown"; older gateways may not serve /admin/policy
    }
  }

  /**
   * Whether an event's instance is the one connected to: the `self` entry of the instance list.
   * Until the list is read (and from a gateway that names no instance on its events) the event is
   * taken as this instance's, as a one-process gateway's always is.
   */
  private isConnectedInstance(instance: { id: string } | undefined): boolean {
    const self = this.instances?.data.find((i) => i.self);
    return !instance || !self || instance.id === self.id;
  }

  /** Reads the instances; events arriving meanwhile make one more read after it, never several at once. */
  private readInstances(): Promise<void> {
    if (this.instancesRead) {
      this.instancesStale = true;
      return this.instancesRead;
    }
    this.instancesRead = (async () => {
      do {
        this.instancesStale = false;
        const client = this.connection.client;
        if (!client) return;
        try {
          this.instances = await client.instances();
        } catch {
          // an older gateway without /admin/instances: no Instances row
          this.instances = undefined;
        }
        this.changed.fire();
      } while (this.instancesStale);
    })().finally(() => (this.instancesRead = undefined));
    return this.instancesRead;
  }
}
