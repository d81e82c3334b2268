#!/usr/bin/env node
// Runs the extension-host mocha suite (dist/test/extension/index.js) inside a real VS Code:
// code-server's Node extension host, with headless chromium as the window (payload mode).
//   node test/vscode/run-ext-tests.mjs [--untrusted] [--grep TEXT] [--timeout 600] [--screenshot PNG] [--verbose] [--keep]
// --untrusted opens the workspace in restricted mode and runs only untrusted.test.js.
// Exit code: 0 all passed, 1 a test failed (or run() rejected), 2 harness error or timeout.
// Needs `bash test/vscode/install.sh` and `npm run build` first (`npm run test:ext` does both).
import fs from 'node:fs';
import path from 'node:path';
import util, { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadCacheEnv, startCodeServer, launchChromium, workbenchUrl, remoteUri, mkTemp, tail, sleep } from './lib/code-server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: o } = parseArgs({
  options: {
    // The whole run's bound, the workbench's load included: at load 15–20 here the trusted suite ran past 300 s.
    timeout: { type: 'string', default: '600' },
    screenshot: { type: 'string' },
    grep: { type: 'string' },
    untrusted: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
// Workbench lines the extension host log channel also carries; noise unless --verbose.
const NOISE = /^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Updating additional builtin extensions cache|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\]|Creation of workbench contribution|Started local extension host|Extension host .* started|Ignoring fetching additional builtin extensions|Timed out waiting for authentication provider|    at (ppt|async ppt)\.)/;
const t0 = Date.now();
const info = (m) => console.error(`[ext-tests ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

const suite = path.join(repo, 'dist/test/extension/index.js');
if (!fs.existsSync(suite)) { info(`${suite} missing: run \`npm run build\``); process.exit(2); }
loadCacheEnv();

const root = mkTemp('gatehouse-ext-tests-');
const workspace = path.join(root, 'workspace');
fs.cpSync(path.join(repo, 'test/extension/fixtures/workspace'), workspace, { recursive: true });
let server, browser, exitCode = 2;
const cleanup = async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  if (o.keep) info(`kept ${root}`); else fs.rmSync(root, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanup().then(() => process.exit(2)));

try {
  server = await startCodeServer({
    root, folder: workspace, smokeTestDriver: true, workspaceTrust: o.untrusted, log: info,
    env: { GATEHOUSE_TEST_GREP: o.grep ?? '', GATEHOUSE_TEST_SUITE: o.untrusted ? 'untrusted' : 'trusted' },
  });
  browser = await launchChromium(path.join(root, 'chromium-profile'));
  const page = browser.pages()[0] ?? (await browser.newPage());
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  // The web workbench forwards extension-host console output to codeAutomationLog (printf-style
  // arguments) and calls codeAutomationExit(code, logs) when run() settles.
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = util.format(...args);
    if (o.verbose || !NOISE.test(line)) (type === 'error' || type === 'warn' ? process.stderr : process.stdout).write(line + '\n');
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => finish({ code, logs }));
  page.on('crash', () => finish({ code: 2, why: 'chromium page crashed' }));
  const payload = [
    ['extensionDevelopmentPath', remoteUri(server, repo)],
    ['extensionTestsPath', remoteUri(server, suite)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  // The page's load waits on code-server's own start (over 30 s, playwright's default, at load 16
  // here): bounded by this run's timeout instead, like the rest of the run.
  await page.goto(workbenchUrl(server, { folder: workspace, payload }), { timeout: Number(o.timeout) * 1000 });
  info('workbench loading');
  const result = await Promise.race([
    finished,
    sleep(Number(o.timeout) * 1000).then(() => ({ code: 2, why: `timed out after ${o.timeout} s` })),
    new Promise((resolve) => server.proc.once('exit', (c) => resolve({ code: 2, why: `code-server exited (${c})` }))),
    server.broken.then((why) => ({ code: 2, why: `code-server cannot serve the workbench: ${why}` })),
  ]);
  o.screenshot ??= path.join(repo, 'test-artifacts', o.untrusted ? 'ext-tests-untrusted-end.png' : 'ext-tests-end.png');
  if (o.screenshot) {
    fs.mkdirSync(path.dirname(o.screenshot), { recursive: true });
    await page.screenshot({ path: o.screenshot }).catch(() => {});
  }
  exitCode = result.code;
  if (result.why) info(result.why);
  if (exitCode !== 0) {
    info(`--- code-server log tail ---\n${tail(server.logFile)}`);
    for (const l of result.logs ?? []) {
      if (/exthost|window/i.test(l.relativePath)) info(`--- ${l.relativePath} ---\n${l.contents.split('\n').slice(-30).join('\n')}`);
    }
  }
} catch (e) {
  info(`harness error: ${e.stack ?? e}`);
  if (server) info(tail(server.logFile));
}
await cleanup();
info(`exit ${exitCode}, total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(exitCode);
