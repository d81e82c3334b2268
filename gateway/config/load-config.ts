import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics';
import { isPhoneRegion } from '../core/masking/phone-numbers';
import { unqualifiedSubjects } from '../core/principal-list';
import { shadowedPrices } from '../core/usage/pricing';
import { schemaDiagnostics } from '../core/schema-diagnostics';
import { parseYamlDocument } from '../core/yaml-document';
import type { GatehouseConfig } from '../generated/gatehouse.config';
import { approverIssuerCount } from '../identity/issuer-settings';
import { configValidator } from '../core/config-schema';
import { embeddedDefaultConfig, serverDefaults } from './defaults';
import { stateConfigProblems } from '../state/state-settings';

export interface LoadedConfig {
  config: GatehouseConfig;
  /** Absolute path of the config file; undefined for the embedded default. */
  file?: string;
  /** Folder relative paths in the config resolve against (the file's, or the working directory). */
  configDir: string;
  /** Absolute data directory. */
  dataDir: string;
}

/** Command-line overrides; they win over the file (and over the environment). */
export interface ConfigOverrides {
  port?: number;
  adminPort?: number;
  dataDir?: string;
  /** Where relative paths resolve without a config file (default: the working directory). */
  baseDir?: string;
}

/**
 * Environment variables every command honours (README "Environment"). GATEHOUSE_DATA_DIR: the data
 * directory, between --data-dir (wins) and the config's server.dataDir.
 */
export const DATA_DIR_ENV = 'GATEHOUSE_DATA_DIR';

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
export async function loadConfig(file?: string, overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let config: GatehouseConfig;
  let configDir = resolve(overrides.baseDir ?? process.cwd());
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
  const dataDirOverride = overrides.dataDir ?? (env[DATA_DIR_ENV] || undefined);
  if (dataDirOverride !== undefined) config.server.dataDir = resolve(overrides.baseDir ?? process.cwd(), dataDirOverride);
  const dataDir = resolve(configDir, config.server.dataDir ?? serverDefaults.dataDir);
  return { config, file: absFile, configDir, dataDir };
}

/** Parses and validates config text; throws ConfigError. Exposed for the extension's diagnostics. */
export function parseConfigText(text: string, file: string): GatehouseConfig {
  const doc = parseYamlDocument(text, file);
  const diagnostics = [...doc.syntaxErrors.filter((d) => d.severity === 'error'), ...schemaDiagnostics(doc, configValidator())];
  if (diagnostics.length) throw new ConfigError(diagnostics);
  const config = (doc.value ?? {}) as GatehouseConfig;
  // The schema checks the shape of a region code; whether the numbering plans know it, only the metadata can say.
  (config.masking?.phoneRegions ?? []).forEach((region, i) => {
    if (!isPhoneRegion(region)) diagnostics.push(doc.diagnostic(`/masking/phoneRegions/${i}`, `unknown phone region "${region}" (no numbering plan for it)`, 'error', 'ERR_CONFIG_PHONE_REGION'));
  });
  // A price that can never apply is a mistake in the table (its author meant it to price something).
  for (const [i, earlier] of shadowedPrices(config.pricing ?? [])) {
    diagnostics.push(doc.diagnostic(`/pricing/${i}`, `this price never applies: entry ${earlier} before it already prices every model it names`, 'error', 'ERR_CONFIG_PRICE_SHADOWED'));
  }
  if (diagnostics.length) throw new ConfigError(diagnostics);
  const issuers = approverIssuerCount(config);
  const ambiguous = unqualifiedSubjects(config.server?.admins?.subjects, issuers).map((i) =>
    doc.diagnostic(`/server/admins/subjects/${i}`, `a subject without an issuer, while approvals.approverIdentity trusts ${issuers} issuers (the development issuer counts when on): the same sub from any of them would be an admin; write { issuer: <iss>, subject: <sub> }`, 'error', 'ERR_CONFIG_SUBJECT_ISSUER'));
  if (ambiguous.length) throw new ConfigError(ambiguous);
  const state = stateConfigProblems(config).map((p) => doc.diagnostic(p.pointer, p.message, 'error', 'ERR_CONFIG_STATE'));
  if (state.length) throw new ConfigError(state);
  return config;
}

/**
 * A problem found after loading (e.g. a secret that cannot be read), pinned to the config node at
 * `pointer` like the load-time diagnostics: "gatehouse.yaml:14:15: error: /upstreams/0/auth/secret …".
 */
export async function configDiagnostic(file: string, pointer: string, message: string): Promise<Diagnostic> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return parseYamlDocument(text, file).diagnostic(pointer, message);
}
