import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = join(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

// Launching a gateway reads its config like `gatehouse serve` does (data dir, ports); that reader
// does file I/O, so it is not in core yet. Nothing else may join this list.
const launcherReadsConfig = new Set(['extension/gateway/gateway-launch.ts: ../../gateway/config/defaults', 'extension/gateway/gateway-launch.ts: ../../gateway/config/load-config']);

describe('extension imports from the gateway', () => {
  it('only gateway/core/ (the contract and the pure logic), never the server side', () => {
    const offenders: string[] = [];
    for (const file of sources(join(root, 'extension'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']*)'/g)) {
        const target = relative(root, resolve(dirname(file), m[1]!)).split(sep).join('/');
        if (target.startsWith('gateway/') && !target.startsWith('gateway/core/')) offenders.push(`${relative(root, file)}: ${m[1]}`);
      }
    }
    assert.deepEqual(offenders.filter((o) => !launcherReadsConfig.has(o)), []);
  });
});
