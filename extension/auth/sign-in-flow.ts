import type { SignInGrant } from '../../gateway/core/admin-api';

/** The `gatehouse.signIn.flow` setting: let the window decide, or force one flow. */
export type SignInFlowSetting = 'auto' | 'loopback' | 'device';

/** What decides the flow: a browser-only UI (code-server, vscode.dev) or a remote extension host cannot receive a loopback redirect. */
export interface WindowKind {
  web: boolean;
  remote: boolean;
}

/**
 * The grant to sign in with. A loopback redirect reaches the extension only when the browser and
 * the extension host share a machine (a desktop window on a local folder); a web UI or a remote
 * host (SSH, containers, Codespaces) gets the device flow (RFC 8628), where the user types a code
 * in any browser. A forced flow the gateway does not offer falls back to the one it does.
 *
 * @example
 * chooseGrant(['authorization_code', 'device_code'], { web: true, remote: false }, 'auto') // => 'device_code'
 * chooseGrant(['authorization_code', 'device_code'], { web: false, remote: false }, 'auto') // => 'authorization_code'
 */
export function chooseGrant(offered: readonly SignInGrant[], window: WindowKind, setting: SignInFlowSetting): SignInGrant {
  const wanted: SignInGrant =
    setting === 'device' ? 'device_code' : setting === 'loopback' ? 'authorization_code' : window.web || window.remote ? 'device_code' : 'authorization_code';
  return offered.includes(wanted) ? wanted : offered[0]!;
}
