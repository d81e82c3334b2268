import * as os from 'node:os';
import * as vscode from 'vscode';
import type { SignInDocument } from '../../gateway/core/admin-api';
import { connectWithSignIn } from '../auth/connect-with-sign-in';
import type { GatehouseAuthProvider } from '../auth/gatehouse-auth-provider';
import { fetchSignInDocument } from '../auth/sign-in-document';
import type { GatewayConnectionService } from '../gateway/gateway-connection-service';
import { GatewayStartError, type GatewayProcessService } from '../gateway/gateway-process-service';

/** Start, Stop, Restart, Connect to Gateway, Show Gateway Log, Copy Development Token. */
export function registerGatewayCommands(gateway: GatewayProcessService, connection: GatewayConnectionService, auth: GatehouseAuthProvider, log: vscode.LogOutputChannel): vscode.Disposable[] {
  const start = async (restart: boolean) => {
    try {
      const running = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: restart ? 'Restarting Gatehouse gateway' : 'Starting Gatehouse gateway' },
        () => (restart ? gateway.restart() : gateway.start()),
      );
      for (const notice of running.launch.notices) void vscode.window.showWarningMessage(notice);
      return running;
    } catch (e) {
      return showStartFailure(e, log);
    }
  };
  return [
    vscode.commands.registerCommand('gatehouse.startGateway', () => start(false)),
    vscode.commands.registerCommand('gatehouse.restartGateway', () => start(true)),
    vscode.commands.registerCommand('gatehouse.stopGateway', async () => {
      if (connection.state.kind === 'remote') connection.disconnect();
      await gateway.stop();
    }),
    vscode.commands.registerCommand('gatehouse.showGatewayLog', () => log.show()),
    vscode.commands.registerCommand('gatehouse.connectGateway', async (urlArg?: string) => {
      const adminUrl = urlArg ?? await vscode.window.showInputBox({
        title: 'Connect to Gateway',
        prompt: 'Admin URL of the gateway',
        value: connection.lastRemoteUrl ?? 'http://127.0.0.1:8788',
        ignoreFocusOut: true,
        validateInput: (v) => (/^https?:\/\/[^/\s]+/.test(v) ? undefined : 'An http:// or https:// URL'),
      });
      if (!adminUrl) return;
      // The gateway says how approvers sign in; only a gateway without a sign-in client needs a pasted token.
      let doc: SignInDocument | undefined;
      try {
        doc = await fetchSignInDocument(adminUrl);
      } catch (e) {
        void vscode.window.showErrorMessage(`Could not connect to ${adminUrl}: ${(e as Error).message}`);
        return;
      }
      if (doc) {
        try {
          return await connectWithSignIn(adminUrl, doc, auth, connection);
        } catch (e) {
          void vscode.window.showErrorMessage(`Could not sign in to ${adminUrl}: ${(e as Error).message}`);
          return;
        }
      }
      const stored = await connection.storedToken(adminUrl);
      const token = await vscode.window.showInputBox({
        title: 'Connect to Gateway (2/2)',
        prompt: stored ? 'Admin or approver token (Enter keeps the stored one)' : 'Admin or approver token (kept in the OS keychain via SecretStorage)',
        password: true,
        ignoreFocusOut: true,
      });
      if (token === undefined || (!token && !stored)) return;
      try {
        await connection.connectRemote(adminUrl, token || stored!);
        void vscode.window.showInformationMessage(`Connected to the Gatehouse gateway at ${adminUrl}.`);
      } catch (e) {
        void vscode.window.showErrorMessage(`Could not connect to ${adminUrl}: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('gatehouse.copyDevToken', async (subjectArg?: string) => {
      const subject =
        subjectArg ??
        (await vscode.window.showInputBox({ title: 'Copy Development Token', prompt: 'Subject (who the token identifies)', value: safeUserName(), ignoreFocusOut: true }));
      if (!subject) return undefined;
      try {
        const token = await gateway.mintDevToken(subject);
        await vscode.env.clipboard.writeText(token);
        void vscode.window.showInformationMessage(`A development token for "${subject}" is on the clipboard.`);
        return token;
      } catch (e) {
        void vscode.window.showErrorMessage(`Could not mint a development token: ${(e as Error).message}`, 'Show Log').then((c) => c && log.show());
        return undefined;
      }
    }),
  ];
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'developer';
  }
}

/** What a failed start showed the user; returned by the start commands for the extension-host tests. */
export interface StartFailure {
  kind: 'failed';
  message: string;
  actions: string[];
}

/** The error toast of a failed start: the gateway's reason, Open Config (at the failing line) and Show Log. */
function showStartFailure(e: unknown, log: vscode.LogOutputChannel): StartFailure {
  const message = e instanceof GatewayStartError ? e.message : `Could not start the gateway: ${(e as Error).message}`;
  const failure = e instanceof GatewayStartError ? e.failure : undefined;
  const actions = failure?.file ? ['Open Config', 'Show Log'] : ['Show Log'];
  void vscode.window.showErrorMessage(message, ...actions).then(async (choice) => {
    if (choice === 'Show Log') log.show();
    if (choice === 'Open Config' && failure?.file) {
      const at = new vscode.Position(Math.max(0, (failure.line ?? 1) - 1), Math.max(0, (failure.column ?? 1) - 1));
      await vscode.window.showTextDocument(vscode.Uri.file(failure.file), { selection: new vscode.Range(at, at) });
    }
  });
  return { kind: 'failed', message, actions };
}
