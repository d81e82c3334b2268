#!/usr/bin/env node
// End-to-end UI tests: the packaged .vsix installed into code-server, driven through Debian's
// chromium with playwright-core, and the mocha files in test/ui/*.test.mjs run against it.
// VSIX mode (no smoke-test driver), because only then are notification toasts shown.
//   node test/vscode/run-ui-tests.mjs --vsix test-artifacts/gatehouse.vsix [--keep] [--timeout 600]
// Screenshots go to test-artifacts/ui/. Exit code: 0 all passed, 1 a test failed, 2 harness error.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';
import { loadCacheEnv, startCodeServer, launchChromium, workbenchUrl, mkTemp, tail } from './lib/code-server.mjs';
import { Workbench, loadTimeoutMs } from './lib/workbench.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: o } = parseArgs({
  options: {
    vsix: { type: 'string' },
    artifacts: { type: 'string', default: path.join(repo, 'test-artifacts', 'ui') },
    grep: { type: 'string' },
    timeout: { type: 'string', default: '600' },
    keep: { type: 'boolean', default: false },
  },
});
const t0 = Date.now();
const info = (m) => console.error(`[ui-tests ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
if (!o.vsix || !fs.existsSync(o.vsix)) { info('--vsix FILE is required (npm run package -- -o FILE)'); process.exit(2); }
loadCacheEnv();

const root = mkTemp('gatehouse-ui-tests-');
const workspace = path.join(root, 'workspace');
const dataDir = path.join(root, 'gateway-data');
fs.cpSync(path.join(repo, 'test/ui/fixtures/workspace'), workspace, { recursive: true });
// The example policy the authoring tests edit (outside policies/, so the gateway does not load it).
fs.cpSync(path.join(repo, 'examples/policies'), path.join(workspace, 'examples/policies'), { recursive: true });
fs.mkdirSync(o.artifacts, { recursive: true });
let server, browser, exitCode = 2;
const cleanup = async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  if (o.keep) info(`kept ${root}`); else fs.rmSync(root, { recursive: true, force: true });
};
const watchdog = setTimeout(() => { info(`global timeout ${o.timeout} s`); cleanup().then(() => process.exit(2)); }, Number(o.timeout) * 1000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => cleanup().then(() => process.exit(2)));

try {
  server = await startCodeServer({
    root, folder: workspace, vsix: [path.resolve(o.vsix)], log: info,
    // A known data directory lets the tests mint development tokens with `gatehouse token`.
    settings: { 'gatehouse.gateway.dataDir': dataDir },
  });
  browser = await launchChromium(path.join(root, 'chromium-profile'));
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(30_000);
  // The first load waits on code-server's own start (over 30 s at load 16 here): its own bound.
  await page.goto(workbenchUrl(server, { folder: workspace }), { timeout: loadTimeoutMs });
  const workbench = new Workbench(page);
  await workbench.ready('Gatehouse');
  info('workbench ready, Gatehouse in the activity bar');
  // What the test files use (they run in this process; see test/ui/*.test.mjs).
  globalThis.gatehouseUi = {
    page, workbench, workspace, dataDir, repo, server,
    screenshot: (name) => page.screenshot({ path: path.join(o.artifacts, `${name}.png`) }),
    // The gateway bundled in the installed VSIX: the tests mint development tokens with it.
    gatewayScript: path.join(root, 'extensions', fs.readdirSync(path.join(root, 'extensions')).find((d) => d.startsWith('gatehouse.gatehouse-')), 'dist', 'gateway.js'),
  };
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 90_000, reporter: 'spec', forbidOnly: true, bail: true, grep: o.grep });
  for (const f of fs.readdirSync(path.join(repo, 'test/ui')).filter((f) => f.endsWith('.test.mjs')).sort()) mocha.addFile(path.join(repo, 'test/ui', f));
  await mocha.loadFilesAsync();
  const stats = await new Promise((resolve) => { const runner = mocha.run(() => resolve(runner.stats)); });
  const failures = stats.failures;
  console.log(`${stats.passes} passed, ${failures} failed`);
  exitCode = failures ? 1 : 0;
  if (failures) {
    await page.screenshot({ path: path.join(o.artifacts, 'failure.png') }).catch(() => {});
    info(`--- code-server log tail ---\n${tail(server.logFile)}`);
  }
} catch (e) {
  info(`harness error: ${e.stack ?? e}`);
  if (server) info(tail(server.logFile));
}
clearTimeout(watchdog);
await cleanup();
info(`exit ${exitCode}, total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(exitCode);
