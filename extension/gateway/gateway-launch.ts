import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { getSettings } from '../common/settings';

/** What a local gateway is started with. */
export interface GatewayLaunch {
  /** The bundled CLI, dist/gateway.js. */
  script: string;
  /** The workspace's gatehouse.yaml when it exists; otherwise the gateway's embedded default. */
  configFile?: string;
  dataDir: string;
  cwd: string;
}

/** Resolves the launch from the settings, the first workspace folder and the extension's storage. */
export async function resolveLaunch(context: vscode.ExtensionContext): Promise<GatewayLaunch> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const settings = getSettings(folder);
  const base = folder?.uri.fsPath;
  const configFile = base ? path.resolve(base, settings.configFile) : undefined;
  const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
  const dataDir = settings.dataDir ? path.resolve(base ?? storage, settings.dataDir) : path.join(storage, 'gateway');
  await fs.promises.mkdir(dataDir, { recursive: true, mode: 0o700 });
  return {
    script: context.asAbsolutePath(path.join('dist', 'gateway.js')),
    configFile: configFile && fs.existsSync(configFile) ? configFile : undefined,
    dataDir,
    cwd: base ?? dataDir,
  };
}
