// Reading other processes' CPU time and memory from /proc (Linux only).
import { readdirSync, readFileSync } from 'node:fs';

/** utime+stime in clock ticks of /proc/<pid>/stat; 0 for a process that is gone. */
export function cpuTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** utime and stime in clock ticks of /proc/<pid>/stat, apart; zeros for a process that is gone. */
export function cpuTicksSplit(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]), system: Number(f[12]) };
  } catch {
    return { user: 0, system: 0 };
  }
}

/**
 * Minor page faults (minflt of /proc/<pid>/stat); 0 for a process that is gone. Each is a page
 * of fresh memory touched: on some VMs ≈ 10 µs apiece, so a count that load on the box does not move.
 */
export function minorFaults(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[7]);
  } catch {
    return 0;
  }
}

/** Resident set size and its high-water mark, in KiB. */
export function memoryKb(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0);
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0);
    return { rss, hwm };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/**
 * CPU ticks of a server that forks a process per connection (PostgreSQL's postmaster): its own,
 * what its exited children left (cutime + cstime), and its live children's. A backend that ends
 * mid-run still counts, once it has been reaped.
 */
export function serverTreeTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return childrenOf(pid).reduce((a, child) => a + cpuTicks(child), own);
  } catch {
    return 0;
  }
}

export function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Ticks of every process outside the tree rooted at `root` (this bench and what it started), to
 * tell how much other work the shared machine did during a measurement.
 */
export function otherTicks(root = process.pid) {
  const procs = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch { /* exited */ }
  }
  const mine = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of procs) if (!mine.has(pid) && mine.has(p.ppid)) { mine.add(pid); grew = true; }
  }
  const out = new Map();
  for (const [pid, p] of procs) if (!mine.has(pid)) out.set(pid, p.ticks);
  return out;
}

/** CPU-seconds used by other processes between two otherTicks() snapshots. */
export function otherCpuSeconds(before, after, clk) {
  let t = 0;
  for (const [pid, v] of after) t += Math.max(0, v - (before.get(pid) ?? 0));
  return t / clk;
}
