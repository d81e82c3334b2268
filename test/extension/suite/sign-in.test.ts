import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { decodeJwt } from 'jose';
import * as vscode from 'vscode';
import type { SignInConnectResult } from '../../../extension/auth/connect-with-sign-in';
import { completeLogin } from '../../helpers/oidc-login';
import { activateGatehouse, EXTENSION_ID, nextEvent, waitFor } from './helpers';

/**
 * Approver sign-in wired into VS Code (GatehouseAuthProvider, its SessionRefresher, Connect to
 * Gateway… and followSession) against a real identity provider and a real gateway, started by
 * test/ui/fixtures/sign-in-stack.ts with short token lifetimes: access tokens live 20 s (refreshed
 * 15 s after they were issued), bob's refresh token 8 s (expired when his first refresh comes).
 * This window is a browser UI (code-server), so Connect signs in with the device flow; the test
 * enters the code at the provider (its development pages, driven headlessly) as the user would.
 */
describe('approver sign-in in the extension host (real identity provider and gateway)', function () {
  this.timeout(120_000);
  let stack: ChildProcess | undefined;
  let adminUrl: string;
  // What the window showed: messages are toasts the smoke-test driver hides, so they are recorded on the way.
  const shown: { kind: 'warning' | 'error'; message: string; buttons: string[] }[] = [];
  const restore: (() => void)[] = [];

  before(async () => {
    const repo = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    stack = spawn(process.execPath, ['--import', 'tsx', '--require', path.join(repo, 'scripts/register-text-loaders.cjs'), path.join(repo, 'test/ui/fixtures/sign-in-stack.ts')], {
      cwd: repo,
      stdio: ['pipe', 'pipe', 'inherit'],
      // The extension host's execPath is Node in code-server, Electron on the desktop.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SIGN_IN_TOKEN_LIFETIMES: JSON.stringify({ accessTokenTTL: 20, refreshTokenTTL: { bob: 8 } }) },
    });
    const exited = new Promise<never>((_, reject) => stack!.once('exit', (code) => reject(new Error(`sign-in stack exited (${code})`))));
    const first = new Promise<string>((resolve) => readline.createInterface({ input: stack!.stdout! }).once('line', resolve));
    adminUrl = (JSON.parse(await Promise.race([first, exited])) as { adminUrl: string }).adminUrl;
    // Spies that pass each call on to VS Code (the extension and this suite share the vscode API object).
    for (const kind of ['warning', 'error'] as const) {
      const key = kind === 'warning' ? 'showWarningMessage' : 'showErrorMessage';
      const real = vscode.window[key] as (message: string, ...items: string[]) => Thenable<string | undefined>;
      (vscode.window as unknown as Record<string, unknown>)[key] = (message: string, ...items: string[]) => {
        shown.push({ kind, message, buttons: items });
        return real(message, ...items);
      };
      restore.push(() => ((vscode.window as unknown as Record<string, unknown>)[key] = real));
    }
  });

  // Each test signs in afresh (Connect reuses a session for the same gateway).
  afterEach(() => signOut());

  after(() => {
    for (const r of restore) r();
    stack?.kill('SIGTERM');
  });

  /** The provider's session (what VS Code's Accounts menu and getSession read). */
  async function currentSession(): Promise<vscode.AuthenticationSession | undefined> {
    const api = await activateGatehouse();
    return (await api.auth.getSessions(['approve']))[0];
  }

  /** Connect to Gateway… with the admin URL; the device code it shows is entered at the provider as `login`. */
  async function connectAs(login: string): Promise<SignInConnectResult> {
    const api = await activateGatehouse();
    const prompt = nextEvent(api.auth.onDidShowDeviceCode, () => true, 60_000);
    const result = vscode.commands.executeCommand<SignInConnectResult>('gatehouse.connectGateway', adminUrl);
    const { verificationUri, verificationUriComplete } = await prompt;
    const { page } = await completeLogin(verificationUriComplete ?? verificationUri, login);
    assert.match(page, /Sign-in Success/i, 'the provider\'s device flow success page');
    return result;
  }

  async function signOut(): Promise<void> {
    const api = await activateGatehouse();
    const session = await currentSession();
    if (session) await api.auth.removeSession(session.id);
    if (api.connection.state.kind === 'remote') api.connection.disconnect();
  }

  it('refreshes the access token ahead of its expiry: the stored session and the connection carry the new one', async () => {
    const api = await activateGatehouse();
    assert.deepEqual(await connectAs('alice'), { kind: 'connected', account: 'alice' });
    const first = await currentSession();
    assert.ok(first, 'a session');
    assert.equal(first.account.label, 'alice');

    const changed = await nextEvent(api.auth.onDidChangeSessions, (e) => !!e.changed?.length, 60_000);
    assert.equal(changed.changed![0]!.id, first.id, 'the same session, with new tokens');
    const second = await currentSession();
    assert.ok(second && second.id === first.id);
    assert.ok(second.accessToken !== first.accessToken, 'a new access token');
    const [before, after] = [decodeJwt(first.accessToken), decodeJwt(second.accessToken)];
    assert.ok(after.exp! > before.exp!, 'the new token lives longer');
    // Refreshed before the old one expired (the provider issued the new one then), not after a 401.
    assert.ok(after.iat! < before.exp!, `refreshed ahead of the expiry (issued ${after.iat}, the old one expired ${before.exp})`);
    // The connection sends the new token: the admin API answers with it.
    assert.equal(api.connection.state.kind, 'remote');
    assert.deepEqual(await api.connection.client!.pendingApprovals(), []);
  });

  it('an expired refresh token ends the session: the connection drops and the user is asked to sign in again', async () => {
    const api = await activateGatehouse();
    shown.length = 0;
    assert.deepEqual(await connectAs('bob'), { kind: 'connected', account: 'bob' });
    const ended = await nextEvent(api.auth.onDidRequireSignIn, () => true, 60_000);
    assert.equal(ended.adminUrl, adminUrl);
    await waitFor(() => api.connection.state.kind !== 'remote', 'the window to disconnect');
    assert.equal(await currentSession(), undefined, 'no session left');
    const prompt = await waitFor(() => shown.find((m) => m.kind === 'warning'), 'the sign-in-again prompt');
    assert.match(prompt.message, new RegExp(`^Your Gatehouse sign-in for ${adminUrl.replace(/[.?]/g, '\\$&')} has ended \\(.+\\)\\. Sign in again to keep approving\\.$`));
    assert.deepEqual(prompt.buttons, ['Sign In']);
  });

  it('a user outside the approver groups signs in and sees the gateway\'s reason for refusing', async () => {
    shown.length = 0;
    const result = await connectAs('mallory');
    assert.ok(result.kind === 'refused', JSON.stringify(result));
    assert.deepEqual([result.account, result.status, result.code], ['mallory', 403, 'ERR_ADMIN_NOT_APPROVER']);
    const error = await waitFor(() => shown.find((m) => m.kind === 'error'), 'the refusal message');
    assert.match(error.message, /^Signed in to Gatehouse as mallory, but the gateway at \S+ refused: mallory \(groups contractors\) is signed in but is not an approver on this gateway/);
    assert.deepEqual(error.buttons, ['Sign Out']);
    const api = await activateGatehouse();
    assert.notEqual(api.connection.state.kind, 'remote');
  });
});
