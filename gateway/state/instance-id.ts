import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * This gateway's id in a fleet, kept in `<dataDir>/instance-id`: a random UUID made on the first
 * start with this data dir, the same after every restart (the data dir, with its chain, is the
 * instance; the host name is only a label).
 */
export function instanceId(dataDir: string): string {
  const file = join(dataDir, 'instance-id');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = randomUUID();
  writeFileSync(file, id + '\n', { mode: 0o644, flag: 'wx' });
  return id;
}
