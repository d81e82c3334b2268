import { close } from 'node:fs';
import { promisify } from 'node:util';

const closeP = promisify(close);

/**
 * Closes the log writer's segment fds once no fdatasync runs on them: closing an fd under a
 * running fdatasync would let its number be reused for another file while the sync, or a later
 * write, still names it. A retired fd can have a last step run before it closes (cutting a
 * finished segment back to its length).
 */
export class FdRetirement {
  /** fd → fdatasyncs running on it. */
  private syncs = new Map<number, number>();
  /** Retired fds waiting for their syncs, with their last step. */
  private waiting = new Map<number, (() => Promise<void>) | undefined>();
  private running = new Set<Promise<void>>();
  private idlers: (() => void)[] = [];

  constructor(private readonly onStepError: (err: NodeJS.ErrnoException) => void) {}

  syncStarted(fd: number): void {
    this.syncs.set(fd, (this.syncs.get(fd) ?? 0) + 1);
  }

  syncEnded(fd: number): void {
    const left = this.syncs.get(fd)! - 1;
    if (left > 0) return void this.syncs.set(fd, left);
    this.syncs.delete(fd);
    if (!this.waiting.has(fd)) return;
    const last = this.waiting.get(fd);
    this.waiting.delete(fd);
    this.close(fd, last);
  }

  /** Closes `fd` once no fdatasync runs on it, after `last` (if given). */
  retire(fd: number, last?: () => Promise<void>): void {
    if (this.syncs.has(fd)) this.waiting.set(fd, last);
    else this.close(fd, last);
  }

  /** Resolves once every retired fd is closed. */
  idle(): Promise<void> {
    if (this.waiting.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  private close(fd: number, last?: () => Promise<void>): void {
    if (!last) {
      close(fd, () => undefined);
      return this.checkIdle();
    }
    const done: Promise<void> = last()
      .catch(this.onStepError)
      .then(() => closeP(fd).catch(() => undefined))
      .finally(() => {
        this.running.delete(done);
        this.checkIdle();
      });
    this.running.add(done);
  }

  private checkIdle(): void {
    if (this.waiting.size === 0 && this.running.size === 0) for (const resolve of this.idlers.splice(0)) resolve();
  }
}
