// How long the disk under `dir` takes to make a small append durable (write + fdatasync): the
// floor of the full pipeline's added latency, since a request is forwarded only once its audit
// record is durable.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export function fdatasyncLatency(dir, n = 50) {
  const file = join(dir, '.fdatasync-probe');
  const fd = openSync(file, 'a');
  const line = Buffer.from('x'.repeat(1400) + '\n');
  const ms = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      writeSync(fd, line);
      fdatasyncSync(fd);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  ms.sort((a, b) => a - b);
  return { n, p50_ms: +ms[n >> 1].toFixed(3), p99_ms: +ms[Math.min(n - 1, Math.floor(n * 0.99))].toFixed(3) };
}
