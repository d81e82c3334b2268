import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { serverDefaults } from '../../gateway/config/defaults';
import { loadConfig, type LoadedConfig } from '../../gateway/config/load-config';
import { getSettings } from '../common/settings';
import { canListen } from './free-port';

/** What a local gateway is started with. */
export interface GatewayLaunch {
  /** The bundled CLI, dist/gateway.js. */
  script: string;
  /** The workspace's gatehouse.yaml when it exists; otherwise the gateway's embedded default. */
  configFile?: string;
  dataDir: string;
  cwd: string;
  /** The listeners' ports: the config's, or 0 (any free one) where that port is taken. */
  ports: { data: number; admin: number };
  /** What differs from the config and why (a taken port), for the log and a notification. */
  notices: string[];
}

/**
 * Resolves the launch the way `gatehouse serve` run in the workspace folder would: the config's
 * server.dataDir (default ./.gatehouse next to the config; $GATEHOUSE_DATA_DIR and the
 * gatehouse.gateway.dataDir setting override it) and its ports, so `npx gatehouse token` in the
 * workspace's terminal mints tokens this gateway accepts. Without a workspace folder, the
 * extension's storage holds the data. A config that does not load is left for the gateway to
 * report (it names the line); the defaults stand in meanwhile.
 */
export async function resolveLaunch(context: vscode.ExtensionContext): Promise<GatewayLaunch> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const settings = getSettings(folder);
  const base = folder?.uri.fsPath ?? path.join((context.storageUri ?? context.globalStorageUri).fsPath, 'gateway');
  const configPath = folder ? path.resolve(base, settings.configFile) : undefined;
  const configFile = configPath && fs.existsSync(configPath) ? configPath : undefined;
  const dataDirSetting = settings.dataDir ? path.resolve(base, settings.dataDir) : folder ? undefined : base;
  let loaded: LoadedConfig | undefined;
  try {
    loaded = await loadConfig(configFile, { dataDir: dataDirSetting, baseDir: base });
  } catch {
    loaded = undefined;
  }
  const dataDir = loaded?.dataDir ?? path.resolve(base, dataDirSetting ?? serverDefaults.dataDir);
  await fs.promises.mkdir(dataDir, { recursive: true, mode: 0o700 });

  const server = loaded?.config.server;
  const notices: string[] = [];
  const port = async (name: 'data' | 'admin', listener: { host?: string; port?: number } | undefined, fallback: { host: string; port: number }) => {
    const host = listener?.host ?? fallback.host;
    const wanted = listener?.port ?? fallback.port;
    if (await canListen(host, wanted)) return wanted;
    notices.push(`Port ${wanted} (${name} listener${configFile ? `, ${path.basename(configFile)}` : ''}) is in use, so the gateway listens on a free port instead.`);
    return 0;
  };
  return {
    script: context.asAbsolutePath(path.join('dist', 'gateway.js')),
    configFile,
    dataDir,
    cwd: folder ? base : dataDir,
    ports: {
      data: await port('data', server?.listen, serverDefaults.listen),
      admin: await port('admin', server?.admin, serverDefaults.admin),
    },
    notices,
  };
}
