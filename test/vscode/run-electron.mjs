#!/usr/bin/env node
// Runs the same extension-host suite in desktop VS Code through @vscode/test-electron.
// For desktop users only: it downloads VS Code into .vscode-test/ (CI uses run-ext-tests.mjs).
//   npm run test:electron    (= npm run build && node test/vscode/run-electron.mjs [--version 1.139.1])
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values: o } = parseArgs({ options: { version: { type: 'string', default: 'stable' } } });
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-electron-'));
const workspace = path.join(root, 'workspace');
fs.cpSync(path.join(repo, 'test/extension/fixtures/workspace'), workspace, { recursive: true });
try {
  await runTests({
    version: o.version,
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'dist/test/extension/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(root, 'user-data')],
  });
} catch (e) {
  console.error(`extension tests failed: ${e.message ?? e}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
