// Starts the bench's servers and stops exactly those processes, by pid, whatever happens.
import { spawn } from 'node:child_process';
import { appendFileSync, openSync } from 'node:fs';

export class ProcessGroup {
  /** @param {string} logDir  @param {string|undefined} pidFile  run.sh kills what is listed there if we die */
  constructor(logDir, pidFile) {
    this.logDir = logDir;
    this.pidFile = pidFile;
    this.children = [];
  }

  /**
   * Spawns `cmd args` (pinned to `cpu` with taskset when given) and resolves once a stdout line
   * matches `ready`, with the match. Rejects when the process exits first or after `timeoutMs`.
   * `onStdout` gets its stdout as it comes (before ready too), e.g. to act on progress lines.
   */
  start(name, cmd, args, { cpu, env, ready, timeoutMs = 20_000, cwd, onStdout } = {}) {
    const argv = cpu !== undefined ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
    const err = openSync(`${this.logDir}/${name}.log`, 'a');
    const child = spawn(argv[0], argv[1], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', err] });
    this.children.push({ name, child });
    if (this.pidFile) appendFileSync(this.pidFile, `${child.pid}\n`);
    return new Promise((resolve, reject) => {
      let buffered = '';
      let done = false;
      const timer = setTimeout(() => finish(new Error(`${name} did not become ready in ${timeoutMs} ms (see ${this.logDir}/${name}.log)`)), timeoutMs);
      const finish = (error, match) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve({ pid: child.pid, match, child });
      };
      child.stdout.on('data', (d) => {
        appendFileSync(`${this.logDir}/${name}.log`, d);
        onStdout?.(d);
        if (done) return;
        buffered += d;
        const m = ready ? ready.exec(buffered) : [];
        if (m) finish(undefined, m);
      });
      child.on('exit', (code, signal) => finish(new Error(`${name} exited (${signal ?? code}) before it was ready; see ${this.logDir}/${name}.log`)));
      child.on('error', (e) => finish(e));
      if (!ready) setImmediate(() => finish(undefined, []));
    });
  }

  /** Runs a command to completion (pinned when `cpu` is given); resolves with stdout and exit code. */
  run(cmd, args, { cpu, env, timeoutMs = 120_000, cwd } = {}) {
    const argv = cpu !== undefined ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
    return new Promise((resolve) => {
      const child = spawn(argv[0], argv[1], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.push({ name: cmd, child });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children = this.children.filter((c) => c.child !== child);
        resolve({ code: code ?? signal, stdout: out, stderr: err });
      });
    });
  }

  /**
   * Runs a standalone bench's `main` (resolving to its exit code) and exits with that code once
   * every process of this group has stopped (`graceMs` as stopAll's); SIGINT and SIGTERM stop them
   * too. A failure is logged and exits 1.
   */
  runMain(main, log, graceMs = 3000) {
    process.on('SIGINT', () => this.stopAll().then(() => process.exit(130)));
    process.on('SIGTERM', () => this.stopAll().then(() => process.exit(143)));
    main().then(async (code) => {
      await this.stopAll(graceMs);
      process.exit(code);
    }, async (err) => {
      log(`failed: ${err.stack ?? err}`);
      await this.stopAll();
      process.exit(1);
    });
  }

  /** SIGTERM to every child still running, SIGKILL after a grace period. */
  async stopAll(graceMs = 3000) {
    const alive = this.children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
    const exited = alive.map(({ child }) => new Promise((r) => child.once('exit', r)));
    for (const { child } of alive) child.kill('SIGTERM');
    const timer = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([Promise.all(exited), timer]);
    for (const { name, child } of alive) {
      if (child.exitCode === null && child.signalCode === null) {
        process.stderr.write(`bench: ${name} (pid ${child.pid}) ignored SIGTERM; killing\n`);
        child.kill('SIGKILL');
      }
    }
    return alive.map(({ name, child }) => `${name}=${child.pid}`);
  }
}
