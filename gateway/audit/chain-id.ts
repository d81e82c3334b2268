import { randomUUID } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The chain id of a data dir's log, kept in `<dataDir>/audit/chain-id`: random (a UUIDv4), made
 * once, so two gateways never share one by accident (the host name did: two hosts called `api-1`
 * in two clusters, or a clone of a VM). A log that already has records keeps its chain id (the
 * writer takes it from the log), so old logs still verify; it is written here on that log's next start.
 */
export const chainIdFileName = 'chain-id';

export async function readKeptChainId(auditDir: string): Promise<string | undefined> {
  try {
    const id = (await readFile(join(auditDir, chainIdFileName), 'utf8')).trim();
    return id || undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function newChainId(): string {
  return randomUUID();
}

/** Keeps the chain id (once: an existing file is left as it is), durably. */
export async function keepChainId(auditDir: string, chainId: string): Promise<void> {
  let fh;
  try {
    fh = await open(join(auditDir, chainIdFileName), 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    await fh.writeFile(chainId + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
}
