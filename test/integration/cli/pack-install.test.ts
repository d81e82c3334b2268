// The npm package as a user gets it: `npm pack` (its prepack builds the bundles that are stale), the
// tarball installed into an empty folder, then the README's quick start from there: --version,
// `serve` on the embedded default, and a `token` it accepts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The environment a user's shell has: without the npm_* variables of the `npm test` running us. */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_(registry|.*proxy|cafile|strict_ssl)$/i.test(k)));
}

function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('npm package: pack, install into an empty folder, run', function () {
  this.timeout(300_000);
  let dir: string;
  let tarball: string;
  let files: string[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-pack-'));
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], root).stdout)[0];
    tarball = join(dir, packed.filename);
    files = packed.files.map((f: { path: string }) => f.path).sort();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the bundles (CLI, extension, webview), schemas, examples and docs: no sources, tests, bench or source maps', () => {
    // One files list serves npm and the VSIX (vsce refuses a .vscodeignore beside it): package.json is both manifests.
    for (const f of ['dist/gateway.js', 'dist/extension.js', 'dist/webview/preview.js', 'package.json', 'README.md', 'LICENSE', 'schemas/gatehouse.config.schema.json', 'examples/gatehouse.yaml']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual(files.filter((f) => /^(test|bench|gateway|extension|scripts|\.ci)\//.test(f) || f.endsWith('.map') || f.startsWith('dist/test/')), []);
    assert.ok(files.length < 40, `${files.length} files`);
  });

  it('installed from the tarball: npx gatehouse --version, serve on the embedded default, and a token it accepts', async () => {
    const app = join(dir, 'app');
    mkdirSync(app);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
    assert.equal(run('npx', ['--no-install', 'gatehouse', '--version'], app).stdout.trim(), pkg.version);

    const bin = join(app, 'node_modules', '.bin', 'gatehouse');
    const serve = spawn(bin, ['serve', '--port', '0', '--admin-port', '0'], { cwd: app, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    serve.stderr.on('data', (c: Buffer) => (stderr += c));
    try {
      const urls: Record<string, string> = {};
      const lines = createInterface({ input: serve.stdout });
      await new Promise<void>((ok, fail) => {
        serve.once('exit', (code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
        lines.on('line', (line) => {
          const m = /^(data|admin)\s+(http\S+)$/.exec(line);
          if (m) urls[m[1]!] = m[2]!;
          if (urls.data && urls.admin) ok();
        });
      });
      const token = run('npx', ['--no-install', 'gatehouse', 'token', '--sub', 'me'], app).stdout.trim();
      const res = await fetch(`${urls.data}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(res.status, 200, await res.text());
    } finally {
      serve.kill('SIGTERM');
      if (serve.exitCode === null) await once(serve, 'exit');
    }
  });
});
