// The Node versions package.json promises (engines.node) must be ones every installed package
// accepts too: otherwise `npm install` on the declared floor prints EBADENGINE warnings, and a
// dependency may use an API that floor lacks. Checked against the lockfile, which is what
// `npm ci` installs, on the floor and on the newest release lines CI runs (22 and 24).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
// @ts-expect-error semver ships no types and @types/semver is not worth a dependency here
import semver from 'semver';

const root = resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[]; optional?: boolean }>;
};

describe('package: Node versions', () => {
  const floor: string = semver.minVersion(pkg.engines.node).version;

  it('declares a Node 20 floor', () => {
    assert.match(floor, /^20\./);
  });

  for (const node of [floor, '22.12.0', '24.0.0']) {
    it(`every package in the lockfile accepts Node ${node} (no EBADENGINE)`, () => {
      const refusing = Object.entries(lock.packages)
        .filter(([name, p]) => name && !Array.isArray(p.engines) && p.engines?.node && !semver.satisfies(node, p.engines.node))
        .map(([name, p]) => `${name.replace(/^.*node_modules\//, '')}@${p.version} wants node ${(p.engines as Record<string, string>).node}`);
      assert.deepEqual(refusing, []);
    });
  }
});
