import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { SecretRef } from '../../generated/gatehouse.config';

/** Reads a secretRef: an environment variable, or a file only its owner can read (0600). */
export async function readSecretRef(ref: SecretRef, configDir: string): Promise<string> {
  if ('env' in ref && ref.env) {
    const v = process.env[ref.env];
    if (!v) throw new Error(`environment variable ${ref.env} is not set`);
    return v;
  }
  const file = isAbsolute(ref.file!) ? ref.file! : resolve(configDir, ref.file!);
  const st = await stat(file);
  if ((st.mode & 0o077) !== 0) throw new Error(`${file} must be readable by its owner only (mode 0600)`);
  return (await readFile(file, 'utf8')).trim();
}
