import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** A loopback port free right now (for servers that must be told their port: rsyslogd, postgres, redis). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once 127.0.0.1:port accepts a connection; throws when `dead()` or after `ms`, with `why()`. */
export async function waitForPort(name: string, port: number, dead: () => boolean, why: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (dead()) throw new Error(`${name} exited: ${why()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}: ${why()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Spawns a test server in the foreground and waits for it to listen on each of `ports`.
 * `stop()` ends it (SIGTERM) and removes `dir`, its temporary folder.
 */
export async function spawnServer(name: string, cmd: string, args: string[], dir: string, ports: number[]): Promise<{ pid: number; output(): string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) await waitForPort(name, port, () => child.exitCode !== null, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, output: () => output, stop };
}
