import { stat, unlink } from 'node:fs/promises';
import type { Logger } from '../log';
import { listSegments } from './segment-files';

/**
 * Deletes whole segments whose last write is older than `retentionDays`, oldest first, stopping
 * at the first one still young, and never the newest segment (the writer's). Each segment starts
 * with a signed checkpoint, so the log still verifies from the first kept record.
 */
export async function pruneSegments(dir: string, retentionDays: number, log: Logger, now = Date.now()): Promise<string[]> {
  const cutoff = now - retentionDays * 86_400_000;
  const segments = await listSegments(dir);
  const removed: string[] = [];
  for (const seg of segments.slice(0, -1)) {
    const { mtimeMs } = await stat(seg.path);
    if (mtimeMs >= cutoff) break;
    await unlink(seg.path);
    removed.push(seg.name);
  }
  if (removed.length) log.info('audit: retention removed segments', { count: removed.length, first: removed[0], last: removed[removed.length - 1] });
  return removed;
}
