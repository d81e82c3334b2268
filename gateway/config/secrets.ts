import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SecretRef } from '../generated/gatehouse.config';

/** Thrown at start-up when a secret cannot be read safely; the message never contains the secret. */
export class SecretError extends Error {
  readonly code = 'ERR_CONFIG_SECRET';
  /** JSON pointer of the secret reference in the config (e.g. /upstreams/0/auth/secret), when known. */
  constructor(message: string, readonly configPath?: string) {
    super(message);
  }
}

/**
 * Reads a secret from an environment variable or from a file that only its owner can read.
 * A file readable by group or others is refused: a provider key in a world-readable file is a
 * leak waiting to happen, and refusing at start-up is cheaper than an incident.
 */
export function readSecret(ref: SecretRef, configDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (!value) throw new SecretError(`environment variable ${ref.env} is not set`);
    return value.trim();
  }
  const path = resolve(configDir, ref.file!);
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new SecretError(`secret file ${path} cannot be read`);
  }
  if ((mode & 0o077) !== 0) {
    throw new SecretError(`secret file ${path} has mode ${(mode & 0o777).toString(8)}; it must be 0600 or stricter (chmod 600 ${path})`);
  }
  const value = readFileSync(path, 'utf8').trim();
  if (!value) throw new SecretError(`secret file ${path} is empty`);
  return value;
}
