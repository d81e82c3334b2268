// Starts code-server (the VS Code server plus its web workbench) on a loopback port, and Debian's
// chromium through playwright-core to be its window. Everything a run writes stays in one temp dir.
// Recipe and pitfalls: test/vscode/README.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const cacheDir = () => process.env.GATEHOUSE_VSCODE_CACHE || path.join(os.homedir(), '.cache', 'gatehouse-vscode');

/** Reads `CACHE/env.sh` (written by install.sh) into process.env; throws with the fix when it is missing. */
export function loadCacheEnv() {
  const file = path.join(cacheDir(), 'env.sh');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`bash test/vscode/install.sh\` first`);
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^export (\w+)="(.*)"$/gm)) {
    if (m[1] === 'CHROMIUM_BIN' && process.env.CHROMIUM_BIN) continue; // the caller's choice wins
    process.env[m[1]] = m[2].replace(/\$\{(\w+):-([^}]*)\}/g, (_, k, d) => process.env[k] || d);
  }
}

/** User settings for a quiet, offline workbench (no chat agent host, no git, no trust prompt, no tips). */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'github.gitAuthentication': false,
  'window.dialogStyle': 'custom',
};

export const mkTemp = (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export function tail(file, lines = 40) {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

/**
 * Starts code-server on 127.0.0.1:0 in its own process group.
 * `workspaceTrust` turns trust on, so the folder opens in restricted mode (untrusted).
 * `smokeTestDriver` makes a built product honour the `?payload=` URL (extensionDevelopmentPath,
 * extensionTestsPath) but also suppresses notification toasts: use it for the mocha suite only.
 */
export async function startCodeServer({ root, folder, settings = {}, env = {}, vsix = [], smokeTestDriver = false, workspaceTrust = false, log = () => {} }) {
  const bin = process.env.CODE_SERVER_BIN;
  if (!bin || !fs.existsSync(bin)) throw new Error('CODE_SERVER_BIN not set or missing: run `bash test/vscode/install.sh`');
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const tmpDir = path.join(root, 'tmp');
  for (const d of [path.join(userDataDir, 'User'), extensionsDir, tmpDir]) fs.mkdirSync(d, { recursive: true });
  const configFile = path.join(root, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const trust = workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...trust, ...settings }, null, 2));
  const baseArgs = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  // EXTENSIONS_GALLERY={} stops the (unreachable) marketplace queries; TMPDIR keeps vscode-ipc-*.sock out of /tmp.
  // code-server's launcher runs `node` from PATH and needs Node 24: the cache's goes first.
  const nodeDir = process.env.NODE24_BIN ? path.dirname(process.env.NODE24_BIN) : undefined;
  const childEnv = { EXTENSIONS_GALLERY: '{}', ...process.env, TMPDIR: tmpDir, ...env };
  if (nodeDir) childEnv.PATH = `${nodeDir}${path.delimiter}${process.env.PATH}`;
  delete childEnv.VSCODE_IPC_HOOK_CLI;
  delete childEnv.ELECTRON_RUN_AS_NODE;

  for (const file of vsix) {
    log(`installing ${path.basename(file)}`);
    await runToEnd(bin, [...baseArgs, '--force', '--install-extension', file], childEnv);
  }
  const logFile = path.join(root, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    ...baseArgs, '--auth', 'none', '--bind-addr', '127.0.0.1:0',
    '--disable-telemetry', '--disable-update-check', ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--ignore-last-opened',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    folder,
  ];
  const proc = spawn(bin, args, { env: childEnv, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  const started = Date.now();
  let port;
  while (!port) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with ${proc.exitCode}\n${tail(logFile)}`);
    if (Date.now() - started > 60_000) { await killGroup(proc); throw new Error(`code-server did not listen within 60 s\n${tail(logFile)}`); }
    const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(logFile, 'utf8'));
    if (m) port = Number(m[1]); else await sleep(100);
  }
  log(`code-server listening on ${port} after ${Date.now() - started} ms`);
  const authority = `127.0.0.1:${port}`;
  // A server that cannot serve the workbench (e.g. started under the wrong Node) logs a route
  // error and would otherwise leave the run waiting for its timeout.
  const broken = new Promise((resolve) => {
    const timer = setInterval(() => {
      const m = /error\s+CodeServerRouteWrapper: (.*)/.exec(fs.readFileSync(logFile, 'utf8'));
      if (m) { clearInterval(timer); resolve(m[1]); }
    }, 500);
    timer.unref();
    proc.once('exit', () => clearInterval(timer));
  });
  return { url: `http://${authority}/`, authority, proc, logFile, userDataDir, broken, stop: () => killGroup(proc) };
}

/** The workbench URL for a folder, with an optional smoke-test payload. */
export function workbenchUrl(server, { folder, payload }) {
  const q = new URLSearchParams({ folder });
  if (payload) q.set('payload', JSON.stringify(payload));
  return `${server.url}?${q}`;
}

/** A path on the server as the workbench client names it. */
export const remoteUri = (server, p) => `vscode-remote://${server.authority}${path.resolve(p)}`;

/**
 * Headless chromium with a fresh profile; any host but loopback fails to resolve at once
 * (127.0.0.2 is loopback too: the sign-in test's identity provider, a host code-server does not proxy).
 */
export async function launchChromium(profileDir) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2, EXCLUDE localhost',
    ],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profileDir, 'xdg-config'), XDG_CACHE_HOME: path.join(profileDir, 'xdg-cache'), TMPDIR: profileDir },
  });
}

/** SIGTERM to the whole process group (extension host, gateway children), SIGKILL after a grace period. */
export function killGroup(proc, graceMs = 3000) {
  if (!proc || proc.exitCode !== null || proc.signalCode) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } resolve(); }, graceMs);
    proc.once('exit', () => { clearTimeout(timer); resolve(); });
    try { process.kill(-proc.pid, 'SIGTERM'); } catch { clearTimeout(timer); resolve(); }
  });
}

function runToEnd(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code}\n${out}`))));
  });
}
