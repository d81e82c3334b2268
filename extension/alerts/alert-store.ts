import * as vscode from 'vscode';
import type { GatewayEvents } from '../../gateway/core/admin-api';
import { Disposable } from '../common/lifecycle';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';

export type Alert = GatewayEvents['alert.fired'];

/** Alerts fired since this window connected (`alert.fired` events), newest first, at most 200. */
export class AlertStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private list: Alert[] = [];

  constructor(connection: GatewayConnectionService) {
    super();
    this.register(
      connection.onDidChange(() => {
        this.list = [];
        this.changed.fire();
      }),
    );
    this.register(
      connection.onEvent((e) => {
        if (e.name !== 'alert.fired') return;
        this.list = [e.data, ...this.list].slice(0, 200);
        this.changed.fire();
      }),
    );
  }

  get alerts(): readonly Alert[] {
    return this.list;
  }
}
