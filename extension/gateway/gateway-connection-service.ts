import * as vscode from 'vscode';
import { AdminClient } from '../admin/admin-client';
import type { AdminEvent } from '../../gateway/core/admin-api';
import type { EventStream, EventStreamStatus } from '../admin/event-stream';
import { Disposable, toDisposable } from '../common/lifecycle';
import type { GatewayProcessService, GatewayProcessState } from './gateway-process-service';

/** What the views show: the local process, a remote gateway, or nothing. */
export type ConnectionState =
  | { kind: 'none' }
  | { kind: 'starting' }
  | { kind: 'crashed'; message: string }
  | { kind: 'local'; adminUrl: string; dataUrl: string; pid: number }
  | { kind: 'remote'; adminUrl: string; via: 'token' | 'sign-in' };

/** The `gatehouse.state` context key: drives welcome content, menus and palette visibility. */
export type StateContext = 'stopped' | 'starting' | 'running' | 'connected' | 'crashed';

const REMOTE_URL_KEY = 'gatehouse.remoteAdminUrl';
const REMOTE_TOKEN_KEY = 'gatehouse.remoteAdminToken';

/**
 * The one admin connection the views, stores and commands share. A locally started gateway is
 * connected automatically; a remote one via Connect to Gateway (its token lives in SecretStorage).
 * It owns the admin event stream and re-publishes its events.
 */
export class GatewayConnectionService extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<ConnectionState>());
  readonly onDidChange = this.changed.event;
  private readonly eventEmitter = this.register(new vscode.EventEmitter<AdminEvent>());
  /** Every admin event of the current connection, in arrival order. */
  readonly onEvent = this.eventEmitter.event;
  private readonly streamChanged = this.register(new vscode.EventEmitter<EventStreamStatus>());
  readonly onDidChangeStreamStatus = this.streamChanged.event;

  private current: ConnectionState = { kind: 'none' };
  private adminClient: AdminClient | undefined;
  private stream: EventStream | undefined;
  streamStatus: EventStreamStatus = 'closed';

  constructor(
    gateway: GatewayProcessService,
    private readonly secrets: vscode.SecretStorage,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.register(gateway.onDidChangeState((s) => this.onProcessState(s)));
    this.register(toDisposable(() => this.stream?.dispose()));
    void this.setContext();
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The admin client of the current connection, if any. */
  get client(): AdminClient | undefined {
    return this.adminClient;
  }

  /** The remote admin URL last connected to, to prefill the input box. */
  get lastRemoteUrl(): string | undefined {
    return this.memento.get<string>(REMOTE_URL_KEY);
  }

  /** Connects to a remote admin listener; checks the token with a real call before switching. */
  async connectRemote(adminUrl: string, token: string): Promise<void> {
    const client = new AdminClient(adminUrl, token);
    await client.pendingApprovals();
    await this.secrets.store(REMOTE_TOKEN_KEY, token);
    await this.memento.update(REMOTE_URL_KEY, adminUrl);
    this.attach(client, { kind: 'remote', adminUrl: client.baseUrl.href, via: 'token' });
  }

  /**
   * Connects to a remote admin listener as a signed-in approver: `token` gives the session's
   * current access token (refreshed in place); nothing is written to SecretStorage here (the
   * authentication provider keeps the session). Checked with a real call before switching.
   */
  async connectSignedIn(adminUrl: string, token: () => string): Promise<void> {
    const client = new AdminClient(adminUrl, token);
    await client.pendingApprovals();
    await this.memento.update(REMOTE_URL_KEY, adminUrl);
    this.attach(client, { kind: 'remote', adminUrl: client.baseUrl.href, via: 'sign-in' });
  }

  /** The stored token for `adminUrl`, when it is the one last connected to. */
  async storedToken(adminUrl: string): Promise<string | undefined> {
    return adminUrl === this.lastRemoteUrl ? this.secrets.get(REMOTE_TOKEN_KEY) : undefined;
  }

  disconnect(): void {
    this.detach({ kind: 'none' });
  }

  private onProcessState(s: GatewayProcessState): void {
    if (s.kind === 'running') {
      this.attach(new AdminClient(s.adminUrl, s.adminToken), { kind: 'local', adminUrl: s.adminUrl, dataUrl: s.dataUrl, pid: s.pid });
    } else if (this.current.kind !== 'remote') {
      this.detach(s.kind === 'starting' ? { kind: 'starting' } : s.kind === 'crashed' ? s : { kind: 'none' });
    }
  }

  private attach(client: AdminClient, state: ConnectionState): void {
    this.stream?.dispose();
    this.adminClient = client;
    this.stream = client.events((e) => {
      // Missed events cannot be replayed: re-announce the connection so every store reloads.
      if (e.name === 'gap') this.changed.fire(this.current);
      else this.eventEmitter.fire(e);
    }, {
      onStatus: (status, detail) => {
        this.streamStatus = status;
        this.log.info(`admin event stream ${status}${detail ? `: ${detail}` : ''}`);
        this.streamChanged.fire(status);
      },
    });
    this.setState(state);
  }

  private detach(state: ConnectionState): void {
    this.stream?.dispose();
    this.stream = undefined;
    this.adminClient = undefined;
    this.setState(state);
  }

  private setState(state: ConnectionState): void {
    if (this.isDisposed) return;
    this.current = state;
    void this.setContext();
    this.changed.fire(state);
  }

  private setContext(): Thenable<unknown> {
    const map: Record<ConnectionState['kind'], StateContext> = {
      none: 'stopped', starting: 'starting', crashed: 'crashed', local: 'running', remote: 'connected',
    };
    return vscode.commands.executeCommand('setContext', 'gatehouse.state', map[this.current.kind]);
  }
}
