import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics';
import { schemaDiagnostics } from '../core/schema-diagnostics';
import { parseYamlDocument } from '../core/yaml-document';
import type { GatehouseConfig } from '../generated/gatehouse.config';
import { configValidator } from './config-schema';
import { embeddedDefaultConfig, serverDefaults } from './defaults';

export interface LoadedConfig {
  config: GatehouseConfig;
  /** Absolute path of the config file; undefined for the embedded default. */
  file?: string;
  /** Folder relative paths in the config resolve against (the file's, or the working directory). */
  configDir: string;
  /** Absolute data directory. */
  dataDir: string;
}

/** Command-line overrides; they win over the file. */
export interface ConfigOverrides {
  port?: number;
  adminPort?: number;
  dataDir?: string;
}

/** A config that failed to load: every problem, each pinned to file, line, column and path. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Reads, validates and resolves a config file (or the embedded default when `file` is undefined).
 * Throws ConfigError with all diagnostics; never returns a half-valid config.
 */
export async function loadConfig(file?: string, overrides: ConfigOverrides = {}): Promise<LoadedConfig> {
  let config: GatehouseConfig;
  let configDir = process.cwd();
  let absFile: string | undefined;
  if (file) {
    absFile = resolve(file);
    configDir = dirname(absFile);
    let text: string;
    try {
      text = await readFile(absFile, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
      throw new ConfigError([{ file: absFile, line: 1, column: 1, endLine: 1, endColumn: 1, path: '', message: reason, severity: 'error' }]);
    }
    config = parseConfigText(text, absFile);
  } else {
    config = structuredClone(embeddedDefaultConfig);
  }

  config.server ??= {};
  if (overrides.port !== undefined) config.server.listen = { ...config.server.listen, port: overrides.port };
  if (overrides.adminPort !== undefined) config.server.admin = { ...config.server.admin, port: overrides.adminPort };
  if (overrides.dataDir !== undefined) config.server.dataDir = resolve(overrides.dataDir);
  const dataDir = resolve(configDir, config.server.dataDir ?? serverDefaults.dataDir);
  return { config, file: absFile, configDir, dataDir };
}

/** Parses and validates config text; throws ConfigError. Exposed for the extension's diagnostics. */
export function parseConfigText(text: string, file: string): GatehouseConfig {
  const doc = parseYamlDocument(text, file);
  const diagnostics = [...doc.syntaxErrors.filter((d) => d.severity === 'error'), ...schemaDiagnostics(doc, configValidator())];
  if (diagnostics.length) throw new ConfigError(diagnostics);
  return (doc.value ?? {}) as GatehouseConfig;
}
