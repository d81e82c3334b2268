import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import type { GatewayLaunch } from './gateway-launch';
import { lineSplitter, parseListenLine, startupFailure, type StartupFailure } from './serve-output';

export type GatewayProcessState =
  | { kind: 'stopped' }
  | { kind: 'starting' }
  | { kind: 'running'; pid: number; dataUrl: string; adminUrl: string; adminToken: string; launch: GatewayLaunch }
  | { kind: 'crashed'; message: string };

export type RunningGateway = Extract<GatewayProcessState, { kind: 'running' }>;

/**
 * Thrown by start() when the gateway may not or could not start; the message is for the user.
 * `failure`: the gateway's own reason when it exited during start-up, with the config position.
 */
export class GatewayStartError extends Error {
  constructor(message: string, readonly failure?: StartupFailure) {
    super(message);
  }
}

const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * Runs the bundled gateway (`dist/gateway.js serve`) as a child of the extension host, with the
 * host's own Node (`process.execPath`, ELECTRON_RUN_AS_NODE on desktop). It learns the addresses
 * from the two listen lines on stdout and the admin token from `<dataDir>/admin.token`.
 * A gateway that exits on its own is reported once and left stopped: a restart loop would hide
 * a broken config and spam the log.
 */
export class GatewayProcessService extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<GatewayProcessState>());
  readonly onDidChangeState = this.changed.event;
  private current: GatewayProcessState = { kind: 'stopped' };
  private child: ChildProcess | undefined;
  private starting: Promise<RunningGateway> | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly resolveLaunch: () => Promise<GatewayLaunch>,
  ) {
    super();
  }

  get state(): GatewayProcessState {
    return this.current;
  }

  /** Starts the gateway, or returns the one already running or starting. */
  start(): Promise<RunningGateway> {
    if (this.current.kind === 'running') return Promise.resolve(this.current);
    if (!vscode.workspace.isTrusted) {
      return Promise.reject(new GatewayStartError('Gatehouse does not start a gateway in an untrusted workspace. Trust the workspace first.'));
    }
    this.starting ??= this.spawnGateway().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Stops the gateway (SIGTERM, SIGKILL after a grace period). Resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      this.log.info(`gateway pid ${child.pid} stopped`);
    }
    this.setState({ kind: 'stopped' });
  }

  async restart(): Promise<RunningGateway> {
    await this.stop();
    return this.start();
  }

  /** Mints a development token from the gateway's built-in issuer (`gatehouse token`). */
  async mintDevToken(subject: string): Promise<string> {
    const launch = this.current.kind === 'running' ? this.current.launch : await this.resolveLaunch();
    const args = [launch.script, 'token', '--data-dir', launch.dataDir, '--sub', subject];
    if (launch.configFile) args.push('--config', launch.configFile);
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { cwd: launch.cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 && out.trim() ? resolve(out.trim()) : reject(new Error(err.trim() || `gatehouse token exited with ${code}`)),
      );
    });
  }

  override dispose(): void {
    // Synchronous on purpose: the extension host may be going away; SIGTERM is enough to stop it.
    this.child?.kill('SIGTERM');
    this.child = undefined;
    super.dispose();
  }

  private async spawnGateway(): Promise<RunningGateway> {
    const launch = await this.resolveLaunch();
    if (!fs.existsSync(launch.script)) throw new GatewayStartError(`The bundled gateway is missing: ${launch.script}`);
    // --exit-with-stdin: the gateway stops when our end of its stdin closes, so it never outlives an
    // extension host that was killed without running deactivate().
    const args = [launch.script, 'serve', '--port', `${launch.ports.data}`, '--admin-port', `${launch.ports.admin}`, '--data-dir', launch.dataDir, '--exit-with-stdin'];
    if (launch.configFile) args.push('--config', launch.configFile);
    this.setState({ kind: 'starting' });
    this.log.info(`starting gateway: ${path.basename(process.execPath)} ${args.join(' ')}`);
    for (const notice of launch.notices) this.log.warn(notice);
    const child = spawn(process.execPath, args, { cwd: launch.cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const urls: { data?: string; admin?: string } = {};

    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on(
        'data',
        lineSplitter((line) => {
          this.log.info(line);
          const listen = parseListenLine(line);
          if (listen) urls[listen.listener] = listen.url;
          if (urls.data && urls.admin) resolve();
        }),
      );
      // The start-up lines of stderr are kept: when the gateway exits, its own reason goes to the user.
      const stderr: string[] = [];
      child.stderr!.on('data', lineSplitter((line) => {
        this.log.appendLine(line);
        if (stderr.length < 200) stderr.push(line);
      }));
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        // Let the rest of stderr arrive first: the exit event can overtake the last chunk.
        const settle = () => reject(startFailed(stderr, code, signal));
        if (child.stderr!.readableEnded) settle();
        else child.stderr!.once('close', settle);
      });
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new GatewayStartError(`The gateway did not start listening within ${START_TIMEOUT_MS / 1000} s.`)), START_TIMEOUT_MS);
        }),
      ]);
      const adminToken = await readAdminToken(launch.dataDir);
      const running: RunningGateway = { kind: 'running', pid: child.pid!, dataUrl: urls.data!, adminUrl: urls.admin!, adminToken, launch };
      if (this.child !== child) throw new GatewayStartError('The gateway was stopped while starting.');
      this.setState(running);
      return running;
    } catch (e) {
      this.log.error(`gateway failed to start: ${(e as Error).message}`);
      if (this.child === child) {
        this.child = undefined;
        child.kill('SIGKILL');
        this.setState({ kind: 'crashed', message: (e as Error).message });
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.log.info(`gateway pid ${child.pid} exited (${exitText(code, signal)})`);
    // Stopped on purpose, or still starting (spawnGateway reports a failed start itself).
    if (this.child !== child || this.current.kind === 'starting') return;
    this.child = undefined;
    const message = `The Gatehouse gateway exited unexpectedly (${exitText(code, signal)}).`;
    this.setState({ kind: 'crashed', message });
    void vscode.window.showErrorMessage(message, 'Show Log', 'Start Again').then((choice) => {
      if (choice === 'Show Log') this.log.show();
      if (choice === 'Start Again') void vscode.commands.executeCommand('gatehouse.startGateway');
    });
  }

  private setState(state: GatewayProcessState): void {
    if (this.isDisposed) return;
    this.current = state;
    this.changed.fire(state);
  }
}

function childEnv(): NodeJS.ProcessEnv {
  // On desktop process.execPath is Electron; ELECTRON_RUN_AS_NODE makes it plain Node.
  return { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
}

const exitText = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `signal ${signal}` : `exit code ${code}`);

/** "The gateway did not start: <its reason> (/upstreams/0/auth/secret, gatehouse.yaml:16)". */
function startFailed(stderr: string[], code: number | null, signal: NodeJS.Signals | null): GatewayStartError {
  const failure = startupFailure(stderr);
  if (!failure) return new GatewayStartError(`The gateway exited during start-up (${exitText(code, signal)}). See the Gatehouse log.`);
  const where = [failure.path, failure.file && `${path.basename(failure.file)}:${failure.line}`].filter(Boolean).join(', ');
  return new GatewayStartError(`The gateway did not start: ${failure.reason}${where ? ` (${where})` : ''}`, failure);
}

/** The token is written before the listeners start; a short bounded wait covers slow disks. */
async function readAdminToken(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'admin.token');
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      const token = (await fs.promises.readFile(file, 'utf8')).trim();
      if (token) return token;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (Date.now() > deadline) throw new GatewayStartError(`The gateway did not write ${file}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
