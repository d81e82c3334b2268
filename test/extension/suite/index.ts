// Entry point of the extension-host suite (extensionTestsPath): VS Code calls run() inside a real
// extension host and ends the run when its promise settles. Each *.test.ts is bundled to its
// own *.test.js next to this file (esbuild.config.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec', forbidOnly: true, grep: process.env.GATEHOUSE_TEST_GREP || undefined });
  // untrusted.test.js needs a window in restricted mode (run-ext-tests.mjs --untrusted); the rest a trusted one.
  const untrusted = process.env.GATEHOUSE_TEST_SUITE === 'untrusted';
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
    if ((f === 'untrusted.test.js') === untrusted) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // The plain closing line CI scripts look for.
      console.log(`${runner.stats?.passes ?? 0} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
