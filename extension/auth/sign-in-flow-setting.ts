import * as vscode from 'vscode';
import { getSettings } from '../common/settings';
import type { SignInFlowSetting, WindowKind } from './sign-in-flow';

/** This window's kind (a browser UI such as code-server, or a remote extension host) and the gatehouse.signIn.flow setting. */
export function signInFlow(): { window: WindowKind; setting: SignInFlowSetting } {
  return {
    window: { web: vscode.env.uiKind === vscode.UIKind.Web, remote: vscode.env.remoteName !== undefined },
    setting: getSettings().signInFlow,
  };
}
