import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type * as oidc from 'openid-client';
import type { SignInDocument } from '../../gateway/core/admin-api';
import { Disposable, toDisposable } from '../common/lifecycle';
import { discoverSignIn, revokeSignIn, type DeviceCodePrompt, type SignInTokens } from './oidc-sign-in';
import { SessionRefresher } from './session-refresher';
import { chooseGrant, type SignInFlowSetting, type WindowKind } from './sign-in-flow';
import { signInWithBrowser, signInWithDeviceCode } from './sign-in-prompts';

export const GATEHOUSE_AUTH_ID = 'gatehouse';
const SESSION_KEY = 'gatehouse.signIn.session';

/** A signed-in approver, as kept in SecretStorage: the gateway, how to reach its identity provider, the tokens. */
interface StoredSession {
  id: string;
  adminUrl: string;
  doc: SignInDocument;
  tokens: SignInTokens;
}

/**
 * The `gatehouse` authentication provider: approvers sign in at the identity provider the gateway
 * trusts (its /.well-known/gatehouse-sign-in document) and the account shows in the Accounts
 * menu, with sign-out. One session at a time (one remote gateway per window). Tokens and the
 * refresh token live in SecretStorage; the access token is refreshed before it expires, and a
 * refresh token the provider refuses ends the session and asks to sign in again
 * (`onDidRequireSignIn`).
 */
export class GatehouseAuthProvider extends Disposable implements vscode.AuthenticationProvider {
  private readonly changed = this.register(new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>());
  readonly onDidChangeSessions = this.changed.event;
  private readonly requireSignIn = this.register(new vscode.EventEmitter<{ adminUrl: string; reason: string }>());
  /** The session ended because the identity provider refused its refresh token. */
  readonly onDidRequireSignIn = this.requireSignIn.event;
  private readonly deviceCode = this.register(new vscode.EventEmitter<DeviceCodePrompt>());
  /** A device flow's code is on screen (what the extension-host tests enter at the identity provider). */
  readonly onDidShowDeviceCode = this.deviceCode.event;

  private stored: StoredSession | undefined;
  private readonly loaded: Promise<void>;
  private readonly refresher: SessionRefresher;
  private config: { issuer: string; clientId: string; value: Promise<oidc.Configuration> } | undefined;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    private readonly flow: () => { window: WindowKind; setting: SignInFlowSetting },
  ) {
    super();
    this.register(vscode.authentication.registerAuthenticationProvider(GATEHOUSE_AUTH_ID, 'Gatehouse', this, { supportsMultipleAccounts: false }));
    this.refresher = new SessionRefresher({
      config: (doc) => this.configFor(doc),
      refreshed: async (tokens) => {
        await this.store({ ...this.stored!, tokens });
        this.changed.fire({ added: [], removed: [], changed: [toSession(this.stored!)] });
      },
      ended: async (reason) => {
        const s = this.stored!;
        this.log.info('sign-in: the identity provider refused the refresh token; signing out');
        await this.store(undefined);
        this.changed.fire({ added: [], removed: [toSession(s)], changed: [] });
        this.requireSignIn.fire({ adminUrl: s.adminUrl, reason });
      },
      log: (m) => this.log.warn(m),
    });
    this.register(toDisposable(() => this.refresher.dispose()));
    this.loaded = this.load();
  }

  /** The current access token (refreshed in place), for the admin client. */
  get accessToken(): string {
    return this.stored?.tokens.accessToken ?? '';
  }

  /** The stored session for this gateway, if signed in to it. */
  async sessionFor(adminUrl: string): Promise<vscode.AuthenticationSession | undefined> {
    await this.loaded;
    return this.stored?.adminUrl === adminUrl ? toSession(this.stored) : undefined;
  }

  async getSessions(scopes?: readonly string[]): Promise<vscode.AuthenticationSession[]> {
    await this.loaded;
    const s = this.stored;
    return s && (scopes ?? []).every((x) => s.doc.scopes.includes(x)) ? [toSession(s)] : [];
  }

  /** From the Accounts menu or another extension: signs in again to the gateway of the current session. */
  async createSession(): Promise<vscode.AuthenticationSession> {
    await this.loaded;
    if (!this.stored) throw new Error('Use "Gatehouse: Connect to Gateway…" to choose the gateway to sign in to.');
    return this.signIn(this.stored.adminUrl, this.stored.doc);
  }

  /** Signs in to the identity provider the gateway at `adminUrl` advertises, replacing any session. */
  async signIn(adminUrl: string, doc: SignInDocument): Promise<vscode.AuthenticationSession> {
    const config = await this.configFor(doc);
    const { window, setting } = this.flow();
    const grant = chooseGrant(doc.grants, window, setting);
    this.log.info(`sign-in to ${doc.issuer} for ${adminUrl} (${grant === 'device_code' ? 'device code' : 'browser, loopback redirect'})`);
    const tokens = await (grant === 'device_code' ? signInWithDeviceCode(config, doc, (p) => this.deviceCode.fire(p)) : signInWithBrowser(config, doc));
    const previous = this.stored;
    await this.store({ id: randomUUID(), adminUrl, doc, tokens });
    const session = toSession(this.stored!);
    this.changed.fire({ added: [session], removed: previous ? [toSession(previous)] : [], changed: [] });
    return session;
  }

  async removeSession(sessionId: string): Promise<void> {
    await this.loaded;
    const s = this.stored;
    if (!s || s.id !== sessionId) return;
    await this.store(undefined);
    this.changed.fire({ added: [], removed: [toSession(s)], changed: [] });
    // Best effort: the tokens are gone here either way.
    if (s.tokens.refreshToken) {
      try {
        await revokeSignIn(await this.configFor(s.doc), s.tokens.refreshToken);
      } catch (e) {
        this.log.warn(`sign-out: the identity provider did not revoke the refresh token: ${(e as Error).message}`);
      }
    }
  }

  private async load(): Promise<void> {
    const text = await this.secrets.get(SESSION_KEY);
    try {
      this.stored = text ? (JSON.parse(text) as StoredSession) : undefined;
    } catch {
      this.stored = undefined;
    }
    this.refresher.watch(this.stored);
  }

  private async store(s: StoredSession | undefined): Promise<void> {
    this.stored = s;
    if (s) await this.secrets.store(SESSION_KEY, JSON.stringify(s));
    else await this.secrets.delete(SESSION_KEY);
    this.refresher.watch(s);
  }

  /** Discovery once per issuer and client. */
  private configFor(doc: SignInDocument): Promise<oidc.Configuration> {
    if (this.config?.issuer !== doc.issuer || this.config.clientId !== doc.clientId) {
      const value = discoverSignIn(doc);
      value.catch(() => (this.config = undefined));
      this.config = { issuer: doc.issuer, clientId: doc.clientId, value };
    }
    return this.config.value;
  }
}

function toSession(s: StoredSession): vscode.AuthenticationSession {
  return { id: s.id, accessToken: s.tokens.accessToken, account: s.tokens.account, scopes: s.doc.scopes };
}
