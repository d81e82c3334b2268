import * as vscode from 'vscode';
import type * as oidc from 'openid-client';
import type { SignInDocument } from '../../gateway/core/admin-api';
import { deviceSignIn, loopbackSignIn, type SignInTokens } from './oidc-sign-in';

/** How long a browser sign-in through the loopback redirect may take before it is given up. */
const loopbackTimeoutMs = 5 * 60_000;

/**
 * The device flow in VS Code: a cancellable progress notification that shows the code and where
 * to enter it, with Copy & Open (the code on the clipboard, the verification page in the
 * browser) — in code-server the browser is the one showing VS Code.
 */
export function signInWithDeviceCode(config: oidc.Configuration, doc: SignInDocument): Thenable<SignInTokens> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Gatehouse sign-in', cancellable: true }, (progress, cancel) => {
    const abort = new AbortController();
    cancel.onCancellationRequested(() => abort.abort());
    return deviceSignIn(config, doc, (p) => {
      progress.report({ message: `enter the code ${p.userCode} at ${p.verificationUri}` });
      void vscode.window.showInformationMessage(`To sign in to Gatehouse, enter the code ${p.userCode} at ${p.verificationUri}`, 'Copy & Open').then(async (choice) => {
        if (choice !== 'Copy & Open') return;
        await vscode.env.clipboard.writeText(p.userCode);
        await vscode.env.openExternal(vscode.Uri.parse(p.verificationUriComplete ?? p.verificationUri, true));
      });
    }, abort.signal);
  });
}

/** Authorization code + PKCE: the system browser opens the identity provider; the redirect comes back to 127.0.0.1. */
export function signInWithBrowser(config: oidc.Configuration, doc: SignInDocument): Thenable<SignInTokens> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Gatehouse sign-in: continue in your browser…', cancellable: true }, (_progress, cancel) => {
    const abort = new AbortController();
    cancel.onCancellationRequested(() => abort.abort());
    return loopbackSignIn(config, doc, async (url) => vscode.env.openExternal(vscode.Uri.parse(url.href, true)), { timeoutMs: loopbackTimeoutMs, signal: abort.signal });
  });
}
