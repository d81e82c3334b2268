import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { SecretRef } from '../generated/gatehouse.config';

/**
 * Reads a secretRef at start-up: an environment variable, or a file readable only by its owner.
 * Throws (bad config fails at start, not per request).
 */
export function readSecretRef(ref: SecretRef, configDir: string, what: string): string {
  if (ref.env !== undefined) {
    const value = process.env[ref.env];
    if (!value) throw new Error(`${what}: environment variable ${ref.env} is not set`);
    return value;
  }
  if (ref.file !== undefined) {
    const file = isAbsolute(ref.file) ? ref.file : resolve(configDir, ref.file);
    const mode = statSync(file).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new Error(`${what}: ${file} has mode ${(mode & 0o777).toString(8)}; make it 0600`);
    const value = readFileSync(file, 'utf8').trim();
    if (!value) throw new Error(`${what}: ${file} is empty`);
    return value;
  }
  throw new Error(`${what}: a secret needs env or file`);
}
