// `npm start` runs `node esbuild.config.mjs --if-stale gateway`: it builds the gateway bundle only
// when one of its inputs changed since the last build (scripts/stale-build.mjs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const build = (...args: string[]) => spawnSync(process.execPath, ['esbuild.config.mjs', ...args], { cwd: root, encoding: 'utf8' });
const mtime = (file: string) => statSync(resolve(root, file)).mtimeMs;

describe('build: --if-stale (npm start)', function () {
  this.timeout(120_000);

  it('npm start builds only the gateway bundle, and only when it is stale', () => {
    const start = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).scripts.start as string;
    assert.match(start, /^node esbuild\.config\.mjs --if-stale gateway && node dist\/gateway\.js serve/);
  });

  it('skips an up-to-date bundle without writing it, and rebuilds it after one of its inputs changes', () => {
    const first = build('--if-stale', 'gateway'); // brings the record up to date whatever ran before
    assert.equal(first.status, 0, first.stderr);
    const before = mtime('dist/gateway.js');

    const again = build('--if-stale', 'gateway');
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /^gateway: up to date$/m);
    assert.doesNotMatch(again.stderr, /extension|webview/, 'only the named bundle is considered');
    assert.equal(mtime('dist/gateway.js'), before, 'dist/gateway.js not written');

    // An input (the CLI's entry point) saved again: the next start rebuilds the gateway.
    const source = resolve(root, 'gateway/cli/main.ts');
    const now = new Date();
    utimesSync(source, now, now);
    const rebuilt = build('--if-stale', 'gateway');
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.match(rebuilt.stderr, /^gateway: building \(gateway\/cli\/main\.ts changed\)$/m);
    assert.ok(mtime('dist/gateway.js') > before, 'dist/gateway.js written again');
  });

  it('refuses an unknown bundle name', () => {
    const r = build('--if-stale', 'gateways');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown bundle gateways: one of gateway, extension, extension-tests, webview/);
  });
});
