import { stat, unlink } from 'node:fs/promises';
import type { Logger } from '../log';
import { listSegments } from './segment-files';

/**
 * Deletes whole segments whose last write is older than `retentionDays`, oldest first, stopping
 * at the first one still young, and never the newest segment (the writer's). Each segment starts
 * with a signed checkpoint, so the log still verifies from the first kept record.
 *
 * `neededFrom` names, per sink, the oldest segment it has not delivered yet ('' for a sink that
 * has not started): retention stops there too and says which sink holds it back. Deleting what
 * the SIEM has not received would lose records for good; a sink that is down is an incident of
 * its own (sink.failed alert), and the disk fills slowly enough to notice.
 */
export async function pruneSegments(dir: string, retentionDays: number, log: Logger, o: { now?: number; neededFrom?: Record<string, string> } = {}): Promise<string[]> {
  const cutoff = (o.now ?? Date.now()) - retentionDays * 86_400_000;
  const segments = await listSegments(dir);
  const removed: string[] = [];
  for (const seg of segments.slice(0, -1)) {
    const { mtimeMs } = await stat(seg.path);
    if (mtimeMs >= cutoff) break;
    const holders = Object.entries(o.neededFrom ?? {}).filter(([, from]) => seg.name >= from).map(([sink]) => sink);
    if (holders.length) {
      log.warn('audit: retention held back: sinks have not delivered an expired segment', { segment: seg.name, sinks: holders });
      break;
    }
    await unlink(seg.path);
    removed.push(seg.name);
  }
  if (removed.length) log.info('audit: retention removed segments', { count: removed.length, first: removed[0], last: removed[removed.length - 1] });
  return removed;
}
