import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The bundled CLI, as users run it (`npm run build` first; `npm test` does). */
export const cliPath = resolve(__dirname, '../../dist/gateway.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gatehouse ...args` to completion. */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  child.stdin.end(options.input ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export interface ServeProcess {
  child: ChildProcess;
  dataUrl: string;
  adminUrl: string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `gatehouse serve ...args` and resolves once both address lines are printed. `cli`: the
 * bundled CLI elsewhere than this checkout's dist (the extension-host suite, bundled itself, passes the extension's).
 */
export async function startServe(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; cli?: string } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [options.cli ?? cliPath, 'serve', ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const addresses: Record<string, string> = {};
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolvePromise, reject) => {
    const onExit = (code: number | null) => reject(new Error(`gatehouse serve exited with ${code}: ${stderr}`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      const m = /^(data|admin)\s+(http\S+)$/.exec(line);
      if (m) addresses[m[1]!] = m[2]!;
      if (addresses.data && addresses.admin) {
        child.off('exit', onExit);
        resolvePromise();
      }
    });
  });
  return {
    child,
    dataUrl: addresses.data!,
    adminUrl: addresses.admin!,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

export interface WitnessProcess {
  child: ChildProcess;
  url: string;
  stop(): Promise<number | null>;
}

/** Starts `gatehouse witness serve ...args` (a real process) and resolves with its URL once it listens. */
export async function startWitness(args: string[]): Promise<WitnessProcess> {
  const child = spawn(process.execPath, [cliPath, 'witness', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolvePromise, reject) => {
    const onExit = (code: number | null) => reject(new Error(`gatehouse witness serve exited with ${code}: ${stderr}`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      const m = /^witness\s+(http\S+)$/.exec(line);
      if (!m) return;
      child.off('exit', onExit);
      resolvePromise(m[1]!);
    });
  });
  return {
    child,
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
