// The arrival record's fdatasync outside the gateway (issue 23, session 7): a record-sized write
// (writeSync) into a preallocated segment (zeros written and fdatasynced through a second fd, as
// gateway/audit/segment-space.ts does), then made durable five ways, interleaved
// round by round so the box's load spreads over all of them:
//   sync   fdatasyncSync on the main thread (bench/lib/disk-sync.mjs's figure)
//   async  fs.fdatasync on the libuv pool, timed from the call to its callback (the gateway's way)
//   idle   as async, each after IDLE_MS asleep (a lone caller's gateway syncs ≈ 1 ms apart, not
//          back to back: is it the CPU that went idle, or the disk?)
//   hop    the pool's round trip alone: fs.fstat on the same fd (no disk wait), timed the same way
//   spin   as async, each after IDLE_MS of busy work on the main thread (the CPU never idles
//          between syncs, the disk does)
// Run it pinned as the bench pins the gateway (`taskset -c 0 node bench/fdatasync-paths.mjs`) and not.
// Env: HOWS (sync,async,idle,spin,hop), N (records per round, 200), ROUNDS (5), IDLE_MS (2), DIR (the directory, default bench/results).
import { closeSync, fdatasync, fdatasyncSync, fstat, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const n = Number(process.env.N ?? 200);
const rounds = Number(process.env.ROUNDS ?? 5);
const idleMs = Number(process.env.IDLE_MS ?? 2);
const dir = process.env.DIR ?? join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const line = Buffer.from('x'.repeat(700) + '\n');
const now = () => process.hrtime.bigint();
const fdatasyncP = (fd) => new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));

async function probe(how) {
  const file = join(dir, `.fdatasync-paths-${process.pid}-${how}`);
  const fd = openSync(file, 'w+');
  const fill = openSync(file, 'r+');
  const ms = [];
  try {
    // The segment's first chunk: zeros through the fill fd, fdatasynced (segment-space.ts).
    writeSync(fill, Buffer.alloc(1024 * 1024), 0, 1024 * 1024, 0);
    fdatasyncSync(fill);
    for (let i = 0; i < n; i++) {
      if (how === 'idle') await sleep(idleMs);
      else if (how === 'spin') for (const end = now() + BigInt(Math.round(idleMs * 1e6)); now() < end;);
      else await new Promise((r) => setImmediate(r));
      const t0 = now();
      writeSync(fd, line, 0, line.length, i * line.length);
      if (how === 'sync') fdatasyncSync(fd);
      else if (how === 'hop') await new Promise((resolve, reject) => fstat(fd, (err) => (err ? reject(err) : resolve())));
      else await fdatasyncP(fd);
      ms.push(Number(now() - t0) / 1e6);
    }
  } finally {
    closeSync(fill);
    closeSync(fd);
    rmSync(file, { force: true });
  }
  ms.sort((a, b) => a - b);
  return ms;
}

const hows = (process.env.HOWS ?? 'sync,async,idle,spin,hop').split(',');
const all = Object.fromEntries(hows.map((h) => [h, []]));
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
for (let r = 0; r < rounds; r++) {
  const row = [];
  for (const how of r % 2 ? [...hows].reverse() : hows) {
    const ms = await probe(how);
    all[how].push(...ms);
    row.push(`${how} ${pct(ms, 50).toFixed(3)}`);
  }
  console.log(`round ${r + 1}: write + fdatasync p50 ms: ${row.join(', ')}`);
}
for (const how of hows) {
  const ms = all[how].sort((a, b) => a - b);
  console.log(`${how.padEnd(5)} p10 ${pct(ms, 10).toFixed(3)} p50 ${pct(ms, 50).toFixed(3)} p90 ${pct(ms, 90).toFixed(3)} p99 ${pct(ms, 99).toFixed(3)} ms`);
}
