// How long the disk under `dir` takes to make a small append durable (write + fdatasync), and what
// it costs in CPU: the floor of the full pipeline's added latency (a request is forwarded only once
// its audit record is durable) and the part of its CPU that group commit spreads over a batch.
// Two files: one that grows with every write (as an audit segment does), and one pre-extended with
// zeros and overwritten in place, whose fdatasync has no size change to commit.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export function fdatasyncLatency(dir, n = 50) {
  const line = Buffer.from('x'.repeat(1400) + '\n');
  const probe = (name, prepare) => {
    const file = join(dir, `.fdatasync-probe-${name}`);
    const fd = openSync(file, 'w+');
    const ms = [];
    let cpuUs = 0;
    try {
      prepare(fd);
      for (let i = 0; i < n; i++) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        writeSync(fd, line, 0, line.length, i * line.length);
        fdatasyncSync(fd);
        ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const c = process.cpuUsage(c0);
        cpuUs += c.user + c.system;
      }
    } finally {
      closeSync(fd);
      rmSync(file, { force: true });
    }
    ms.sort((a, b) => a - b);
    return { p50_ms: +ms[n >> 1].toFixed(3), p99_ms: +ms[Math.min(n - 1, Math.floor(n * 0.99))].toFixed(3), cpu_us: Math.round(cpuUs / n) };
  };
  const appended = probe('append', () => {});
  const preallocated = probe('prealloc', (fd) => {
    writeSync(fd, Buffer.alloc(n * line.length), 0, n * line.length, 0);
    fdatasyncSync(fd);
  });
  return { n, ...appended, preallocated };
}
