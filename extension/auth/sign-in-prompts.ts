import * as vscode from 'vscode';
import type * as oidc from 'openid-client';
import type { SignInDocument } from '../../gateway/core/admin-api';
import { deviceSignIn, loopbackSignIn, type DeviceCodePrompt, type SignInTokens } from './oidc-sign-in';

/** How long a browser sign-in through the loopback redirect may take before it is given up. */
const loopbackTimeoutMs = 5 * 60_000;

/**
 * The device flow in VS Code: one cancellable progress notification that shows the code and a
 * link to where it is entered (the page with the code filled in, when the identity provider
 * offers one), and that goes away when the sign-in ends, whichever way. In code-server the
 * browser showing VS Code opens the page in a new tab.
 */
export function signInWithDeviceCode(config: oidc.Configuration, doc: SignInDocument, shown: (prompt: DeviceCodePrompt) => void): Thenable<SignInTokens> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Gatehouse sign-in', cancellable: true }, (progress, cancel) => {
    const abort = new AbortController();
    cancel.onCancellationRequested(() => abort.abort());
    return deviceSignIn(config, doc, (p) => {
      // Notifications render [text](link); the code itself is plain text (a provider's code has no brackets to break it).
      progress.report({ message: `enter the code ${p.userCode} at [${p.verificationUri}](${p.verificationUriComplete ?? p.verificationUri})` });
      shown(p);
    }, abort.signal);
  });
}

/**
 * Authorization code + PKCE: the browser opens the identity provider; the redirect comes back to
 * a 127.0.0.1 listener, through the URL VS Code says the browser reaches it at (asExternalUri: the
 * same URL on a local desktop, a forwarded port for a remote host, the port proxy of code-server
 * or Codespaces).
 */
export function signInWithBrowser(config: oidc.Configuration, doc: SignInDocument): Thenable<SignInTokens> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Gatehouse sign-in: continue in your browser…', cancellable: true }, (_progress, cancel) => {
    const abort = new AbortController();
    cancel.onCancellationRequested(() => abort.abort());
    return loopbackSignIn(config, doc, async (url) => vscode.env.openExternal(vscode.Uri.parse(url.href, true)), {
      timeoutMs: loopbackTimeoutMs,
      signal: abort.signal,
      externalRedirect: async (loopback) => new URL((await vscode.env.asExternalUri(vscode.Uri.parse(loopback.href, true))).toString(true)),
    });
  });
}
