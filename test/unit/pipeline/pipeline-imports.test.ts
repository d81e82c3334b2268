import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = join(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.ts$/.test(e.name) ? [p] : [];
  });
}

/** Every relative import of the files under `dir`, as `file: target` with repo-relative paths. */
function imports(dir: string): { file: string; target: string }[] {
  return sources(join(root, dir)).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']*)'/g)].map((m) => ({
      file: relative(root, file).split(sep).join('/'),
      target: relative(root, resolve(dirname(file), m[1]!)).split(sep).join('/'),
    })),
  );
}

const offending = (dir: string, forbidden: string) => imports(dir).filter((i) => i.target.startsWith(forbidden)).map((i) => `${i.file} imports ${i.target}`);

/**
 * The request record belongs to the pipeline: services take inputs and return values, and name
 * their seams through gateway/runtime.ts; the pipeline reaches the server's parts (metrics) only
 * through interfaces declared there. So no service imports the pipeline, and the pipeline imports
 * nothing from server/.
 */
describe('pipeline seams: who may import what', () => {
  it('the pipeline imports nothing from server/ (metrics come through runtime.ts DataPathMetrics)', () => {
    assert.deepEqual(offending('gateway/pipeline', 'gateway/server/'), []);
  });

  it('runtime.ts, where the seams are named, imports nothing from the pipeline', () => {
    assert.deepEqual(imports('gateway').filter((i) => i.file === 'gateway/runtime.ts' && i.target.startsWith('gateway/pipeline/')).map((i) => i.target), []);
  });

  for (const service of ['audit', 'masking', 'approvals', 'state', 'usage']) {
    it(`gateway/${service}/ does not import the pipeline (it returns values; stages write the exchange)`, () => {
      assert.deepEqual(offending(`gateway/${service}`, 'gateway/pipeline/'), []);
    });
  }
});
