import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AnchorFile } from '../core/audit/checkpoint';
import type { Logger } from '../log';
import { writeFileAtomic } from '../state/atomic-file';

/**
 * Writes the latest checkpoint to each anchor file (write to a temp file, fsync, rename), one
 * write at a time; a checkpoint that arrives while one is being written replaces the queued one.
 */
export function createAnchorExporter(files: string[], log: Logger): { export(anchor: AnchorFile): void; flush(): Promise<void> } {
  let queued: AnchorFile | undefined;
  let running: Promise<void> | undefined;
  const writeOne = async (file: string, anchor: AnchorFile) => {
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(anchor, null, 2) + '\n', 0o644);
  };
  const run = async () => {
    while (queued) {
      const anchor = queued;
      queued = undefined;
      for (const file of files) {
        await writeOne(file, anchor).catch((err: Error) => log.warn('audit: could not export anchor', { file, message: err.message }));
      }
    }
    running = undefined;
  };
  return {
    export(anchor) {
      queued = anchor;
      running ??= run();
    },
    flush: async () => {
      while (running) await running;
    },
  };
}
