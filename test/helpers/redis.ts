/**
 * A real Redis for tests (Debian's `redis-server`, installed by .ci/run) on a free 127.0.0.1 port,
 * nothing saved, in a temporary folder. One server per test file; each test takes a fresh key
 * prefix. A missing binary fails the test with the fix.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer } from './ports';

export interface TestRedis {
  url: string;
  /** The server's process id (benchmarks read its CPU time). */
  pid: number;
  /** A new key prefix (the gateway's `state.redis.keyPrefix`), different for every call. */
  freshPrefix(): string;
  stop(): Promise<void>;
}

export const redisServer = process.env.GATEHOUSE_REDIS_SERVER ?? ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));

export async function startRedis(): Promise<TestRedis> {
  if (!redisServer) throw new Error('redis-server not found: install it with `apt-get install redis-server` (.ci/run does), or set GATEHOUSE_REDIS_SERVER');
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'));
  const port = await freePort();
  const { pid, stop } = await spawnServer('redis-server', redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], dir, [port]);
  let prefixes = 0;
  return { url: `redis://127.0.0.1:${port}`, pid, freshPrefix: () => `t${process.pid}_${++prefixes}:`, stop };
}
