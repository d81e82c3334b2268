import * as vscode from 'vscode';
import { displayText } from '../../gateway/core/display-text';
import type { SignInDocument } from '../../gateway/core/admin-api';
import { AdminApiError } from '../admin/admin-client';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';
import type { GatehouseAuthProvider } from './gatehouse-auth-provider';

/** What Connect to Gateway… did with a sign-in, returned for the extension-host and UI tests. */
export type SignInConnectResult =
  | { kind: 'connected'; account: string }
  | { kind: 'refused'; account: string; status: number; code?: string; message: string };

/**
 * Signs in (or reuses the session for this gateway) and connects with the session's token. A
 * gateway that refuses the signed-in user (403: not an approver; 401: a token it does not
 * accept) says why in an error toast, with Sign Out.
 */
export async function connectWithSignIn(adminUrl: string, doc: SignInDocument, auth: GatehouseAuthProvider, connection: GatewayConnectionService): Promise<SignInConnectResult> {
  const session = (await auth.sessionFor(adminUrl)) ?? (await auth.signIn(adminUrl, doc));
  const account = session.account.label;
  try {
    await connection.connectSignedIn(adminUrl, () => auth.accessToken);
  } catch (e) {
    if (!(e instanceof AdminApiError) || (e.status !== 401 && e.status !== 403)) throw e;
    const message = `Signed in to Gatehouse as ${displayText(account)}, but the gateway at ${adminUrl} refused: ${displayText(e.message)}`;
    void vscode.window.showErrorMessage(message, 'Sign Out').then((c) => c && auth.removeSession(session.id));
    return { kind: 'refused', account, status: e.status, ...(e.code ? { code: e.code } : {}), message };
  }
  void vscode.window.showInformationMessage(`Connected to the Gatehouse gateway at ${adminUrl} as ${displayText(account)}.`);
  return { kind: 'connected', account };
}

/**
 * A signed-in connection follows its session: signing out (Accounts menu) disconnects, and a
 * session the identity provider ended (refresh token refused) disconnects and asks to sign in again.
 */
export function followSession(auth: GatehouseAuthProvider, connection: GatewayConnectionService): vscode.Disposable[] {
  const signedIn = () => connection.state.kind === 'remote' && connection.state.via === 'sign-in';
  return [
    auth.onDidRequireSignIn(({ adminUrl, reason }) => {
      if (signedIn()) connection.disconnect();
      void vscode.window.showWarningMessage(`Your Gatehouse sign-in for ${adminUrl} has ended (${displayText(reason)}). Sign in again to keep approving.`, 'Sign In')
        .then((c) => c && vscode.commands.executeCommand('gatehouse.connectGateway', adminUrl));
    }),
    // One session at a time: removed without a replacement means signed out.
    auth.onDidChangeSessions((e) => {
      if (e.removed?.length && !e.added?.length && signedIn()) connection.disconnect();
    }),
  ];
}
