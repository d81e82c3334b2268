import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Who holds a data dir: written to `<dataDir>/gatehouse.lock` by the process that serves from it. */
export interface LockHolder {
  pid: number;
  /** When the holding process started (ISO 8601). */
  startedAt: string;
  host: string;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22, Linux): tells a reused pid apart. */
  procStart?: number;
}

export interface DataDirLock {
  readonly file: string;
  /** The stale lock this process took over (its holder was no longer running), if any. */
  readonly takenOver?: LockHolder;
  release(): void;
}

export class DataDirLockedError extends Error {
  readonly code = 'ERR_DATA_DIR_LOCKED';
  constructor(readonly file: string, readonly holder: LockHolder | undefined) {
    super(
      holder
        ? `the data dir is in use by another gatehouse serve: pid ${holder.pid} on ${holder.host}, started ${holder.startedAt} (lock file ${file}). Stop it first, or give this one its own --data-dir.`
        : `the data dir is locked by another gatehouse serve (lock file ${file} is being written or unreadable). Stop it first, or give this one its own --data-dir.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export const lockFileName = 'gatehouse.lock';

/**
 * One writer per data dir: two gateways on one dir would fork the audit chain. Takes
 * `<dataDir>/gatehouse.lock` (created exclusively, holding this process's pid and start time) or
 * throws DataDirLockedError naming the holder. A lock whose holder is gone — no process with its
 * pid, or one that started at another time (the pid was reused) — is stale and is taken over; the
 * caller records that (`takenOver`). A holder on another host (a shared file system) cannot be
 * checked and is respected.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = join(dataDir, lockFileName);
  const me = currentProcess();
  let takenOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createExclusive(file, me)) return { file, takenOver, release: () => release(file, me) };
    const holder = readHolder(file);
    if (!holder) {
      // Gone between our create and read (a release): try again; unreadable: a writer is mid-write.
      if (exists(file)) throw new DataDirLockedError(file, undefined);
      continue;
    }
    if (isRunning(holder)) throw new DataDirLockedError(file, holder);
    if (!removeStale(file, holder)) continue;
    takenOver = holder;
  }
  throw new DataDirLockedError(file, readHolder(file));
}

function currentProcess(): LockHolder {
  return { pid: process.pid, startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(), host: hostname(), procStart: procStartTicks(process.pid) };
}

/** Creates the lock file with O_EXCL and makes its content durable; false when it exists. */
function createExclusive(file: string, me: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(me) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && h.pid > 0 && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

function exists(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Whether the holder still runs: same host, its pid exists, and (where /proc tells) it is the same process. */
function isRunning(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = procStartTicks(holder.pid);
  return holder.procStart === undefined || now === undefined || now === holder.procStart;
}

/**
 * Moves the stale lock aside and checks that what moved is the lock judged stale: of two
 * processes taking over at once, the second may move the first one's new lock, and puts it back.
 */
function removeStale(file: string, stale: LockHolder): boolean {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const moved = readHolder(aside);
  if (moved && (moved.pid !== stale.pid || moved.startedAt !== stale.startedAt)) {
    try {
      linkSync(aside, file);
    } catch {
      // Someone else holds it now: they keep it.
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

function release(file: string, me: LockHolder): void {
  const holder = readHolder(file);
  if (holder?.pid === me.pid && holder.startedAt === me.startedAt) unlinkSync(file);
}

/** /proc/<pid>/stat field 22 (starttime), undefined off Linux. */
function procStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}
