import * as vscode from 'vscode';
import type { SignInFlowSetting } from '../auth/sign-in-flow';

/** Every setting the extension reads, by key. Declared in package.json `contributes.configuration`. */
export const SettingKey = {
  configFile: 'gateway.configFile',
  dataDir: 'gateway.dataDir',
  approvalNotifications: 'approvals.showNotifications',
  auditMaxRecords: 'auditLog.maxRecords',
  previewSamples: 'maskingPreview.samples',
  signInFlow: 'signIn.flow',
} as const;

const SECTION = 'gatehouse';

/** Settings that name files or processes: an untrusted workspace must not choose them. */
const RESTRICTED: readonly string[] = [SettingKey.configFile, SettingKey.dataDir, SettingKey.previewSamples];

export interface GatehouseSettings {
  /** Gateway config, relative to the first workspace folder. */
  configFile: string;
  /** Data directory of a locally started gateway; empty means the one `gatehouse serve` would use (the config's). */
  dataDir: string;
  approvalNotifications: boolean;
  auditMaxRecords: number;
  /** Glob of sample payloads the masking preview offers. */
  previewSamples: string;
  /** How Connect to Gateway… signs in: auto (device flow in web and remote windows), loopback or device. */
  signInFlow: SignInFlowSetting;
}

/**
 * Reads the settings. In an untrusted workspace, restricted keys ignore workspace and folder
 * values and take the user's (or the default), so a cloned repository cannot point the gateway
 * at files of its choosing.
 */
export function getSettings(scope?: vscode.ConfigurationScope): GatehouseSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const read = <T>(key: string, fallback: T): T => {
    if (!vscode.workspace.isTrusted && RESTRICTED.includes(key)) {
      const inspected = config.inspect<T>(key);
      return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
    }
    return config.get<T>(key, fallback);
  };
  return {
    configFile: read(SettingKey.configFile, 'gatehouse.yaml'),
    dataDir: read(SettingKey.dataDir, ''),
    approvalNotifications: read(SettingKey.approvalNotifications, true),
    auditMaxRecords: Math.max(10, read(SettingKey.auditMaxRecords, 500)),
    previewSamples: read(SettingKey.previewSamples, '**/samples/**/*.json'),
    signInFlow: read<SignInFlowSetting>(SettingKey.signInFlow, 'auto'),
  };
}

/** True when a change event touches one of our keys. */
export const affectsSettings = (e: vscode.ConfigurationChangeEvent, key?: string): boolean =>
  e.affectsConfiguration(key ? `${SECTION}.${key}` : SECTION);
