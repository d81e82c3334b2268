import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { run } from '../../../gateway/cli/token';
import { openDevIssuer } from '../../../gateway/identity/dev-issuer';

describe('identity: gatehouse token', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-token-cli-'))));
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await run(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  it('prints exactly one token line to stdout, verifiable by the dev issuer', async () => {
    const { code, out, err } = await cli('--sub', 'ci-bot', '--groups', 'ci, ml', '--ttl', '15m', '--data-dir', dataDir);
    assert.equal(code, 0, err);
    assert.equal(err, '');
    assert.match(out, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = await (await openDevIssuer(dataDir)).verify(out.trim());
    assert.equal(claims.sub, 'ci-bot');
    assert.deepEqual(claims.groups, ['ci', 'ml']);
    assert.equal(claims.exp! - claims.iat!, 900);
  });

  it('sets the audience and client id', async () => {
    const { out } = await cli('--sub', 'svc', '--aud', 'other', '--client-id', 'pipeline', '--data-dir', dataDir);
    const claims = decodeJwt(out.trim());
    assert.equal(claims.aud, 'other');
    assert.equal(claims.client_id, 'pipeline');
  });

  const usageErrors: [string, string[], RegExp][] = [
    ['no --sub', [], /--sub is required/],
    ['an unknown option', ['--sub', 'x', '--bogus'], /Unknown option '--bogus'/],
    ['a bad ttl', ['--sub', 'x', '--ttl', 'soon'], /--ttl "soon" is not a duration/],
    ['a ttl past the maximum', ['--sub', 'x', '--ttl', '2h'], /longer than the development issuer's maximum of 3600s/],
    ['a positional argument', ['--sub', 'x', 'extra'], /Unexpected argument 'extra'|positional/i],
  ];
  for (const [name, argv, message] of usageErrors) {
    it(`exits 2 on ${name}`, async () => {
      const { code, out, err } = await cli(...argv, '--data-dir', dataDir);
      assert.equal(code, 2);
      assert.equal(out, '');
      assert.match(err, message);
    });
  }

  it('prints help and exits 0', async () => {
    const { code, out } = await cli('--help');
    assert.equal(code, 0);
    assert.match(out, /^Usage: gatehouse token --sub/);
  });

  it('exits 1 when the key file is open to others', async () => {
    const dev = await openDevIssuer(dataDir);
    const { chmod } = await import('node:fs/promises');
    await chmod(dev.keyFile, 0o644);
    const { code, err } = await cli('--sub', 'x', '--data-dir', dataDir);
    assert.equal(code, 1);
    assert.match(err, /chmod 600/);
  });

  it('exits 2 on an invalid config, naming file, line and path', async () => {
    const bad = join(dataDir, 'bad.yaml');
    await writeFile(bad, 'identity:\n  devIssuer:\n    enabeld: true\n');
    const { code, err } = await cli('--sub', 'x', '--config', bad);
    assert.equal(code, 2);
    assert.match(err, /bad\.yaml:3:\d+: error: .*devIssuer/);
  });

  it('reads the data dir from --config and refuses when the config turns the dev issuer off', async () => {
    const on = join(dataDir, 'on.yaml');
    await writeFile(on, 'server:\n  dataDir: ./state\n');
    const ok = await cli('--sub', 'x', '--config', on);
    assert.equal(ok.code, 0, ok.err);
    const claims = await (await openDevIssuer(join(dataDir, 'state'))).verify(ok.out.trim());
    assert.equal(claims.sub, 'x');

    const off = join(dataDir, 'off.yaml');
    await writeFile(off, 'identity:\n  devIssuer:\n    enabled: false\n');
    const refused = await cli('--sub', 'x', '--config', off);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /development issuer is off/);
  });
});
