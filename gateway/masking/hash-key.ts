import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Masking } from '../generated/gatehouse.config';
import { GatehouseError } from '../errors';

/**
 * Reads masking.hashKey (env or a 0600 file) at start-up. Undefined when not configured
 * (the core then uses a random per-process key). Throws on a missing or exposed secret: fail closed.
 */
export function loadHashKey(cfg: Masking | undefined, configDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const ref = cfg?.hashKey;
  if (!ref) return undefined;
  if (ref.env) {
    const value = env[ref.env];
    if (!value) throw new GatehouseError(500, 'ERR_MASKING_HASH_KEY', `masking.hashKey: environment variable ${ref.env} is not set`);
    return value;
  }
  const file = resolve(configDir, ref.file!);
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) throw new GatehouseError(500, 'ERR_MASKING_HASH_KEY', `masking.hashKey: ${file} must not be readable by group or others (mode ${mode.toString(8)}; chmod 600)`);
  const value = readFileSync(file, 'utf8').trim();
  if (!value) throw new GatehouseError(500, 'ERR_MASKING_HASH_KEY', `masking.hashKey: ${file} is empty`);
  return value;
}
