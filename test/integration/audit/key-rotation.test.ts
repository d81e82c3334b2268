import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { lockFileName } from '../../../gateway/server/data-dir-lock';
import { runCli } from '../../helpers/cli';
import { readJwk, resignCheckpointLine } from '../../helpers/audit-attacker';
import { WitnessScenario } from '../../helpers/witness-scenario';

describe('audit signing key: outside the data dir, rotated by hand-over (real gateway and witness processes)', function () {
  this.timeout(90_000);
  let s: WitnessScenario;
  afterEach(() => s.stop());

  it('rotate-key hands over to a new key: verify (with only the first key) and the witness follow it; a key not introduced is refused', async () => {
    s = await new WitnessScenario().start();
    const key1 = await s.makeKey(join(s.root, 'keys', 'audit-1.jwk.json'));
    await s.startWitness(key1.jwks);
    const config = (key: string) => s.writeConfig([`signingKey: { file: ${key} }`, 'checkpoint: { maxSeconds: 0.2 }', `witness: { url: "${s.witness!.url}" }`]);
    await config(key1.file);
    const first = await s.startServe();
    assert.doesNotMatch(first.stderr(), /signing key is inside the data dir/);
    await s.chat(3);
    await first.stop('SIGTERM');

    const key2File = join(s.root, 'keys', 'audit-2.jwk.json');
    const rotated = await runCli(['audit', 'rotate-key', '--config', s.configFile, '--new-key', key2File]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /Rotated the audit signing key: \S+ -> \S+\./);
    const key2 = await readJwk(key2File);
    assert.equal((await import('node:fs/promises').then((fs) => fs.stat(key2File))).mode & 0o777, 0o600);
    // The witness followed the hand-over: its head is signed by the new key.
    assert.equal(decodeProtectedHeader((await s.witnessHead())!.jws).kid, key2.kid);

    await config(key2File);
    const second = await s.startServe();
    await s.chat(3);
    await second.stop('SIGTERM');
    const verified = await runCli(['audit', 'verify', '--data-dir', s.dataDir, '--key', key1.jwks, '--witness', s.witness!.url]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.equal(decodeProtectedHeader((await s.witnessHead())!.jws).kid, key2.kid);

    // A key nobody introduced: the gateway will not sign with it...
    const key3 = await s.makeKey(join(s.root, 'keys', 'audit-3.jwk.json'));
    await config(key3.file);
    await assert.rejects(s.startServe(), /is not the key that signs this log's checkpoints/);
    // ...and a checkpoint signed with it is refused by verify, even with the key planted in the data dir's key set.
    const lines = await s.lines();
    await s.writeLog([...lines.slice(0, -1), resignCheckpointLine(lines.at(-1)!, await readJwk(key3.file))]);
    const keySet = join(s.auditDir, 'signing-keys.jwks.json');
    const set = JSON.parse(await readFile(keySet, 'utf8')) as { keys: unknown[] };
    set.keys.push(...(JSON.parse(await readFile(key3.jwks, 'utf8')) as { keys: unknown[] }).keys);
    await writeFile(keySet, JSON.stringify(set));
    const refused = await runCli(['audit', 'verify', '--data-dir', s.dataDir]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stdout, new RegExp(`INVALID: key not introduced: seq ${lines.length} .*signed by key ${key3.kid}, but the checkpoints before it are signed by ${key2.kid}`));
    // With the outside copy of the first key only, the re-signed checkpoint is not trusted either.
    const outside = await runCli(['audit', 'verify', '--data-dir', s.dataDir, '--key', key1.jwks]);
    assert.equal(outside.code, 1);
    assert.match(outside.stdout, /INVALID: (key not introduced|bad checkpoint signature)/);
  });

  it('rotate-key refuses while a gateway serves the data dir (the data-dir lock) and changes nothing; once it stops, the rotation runs and leaves no lock behind', async () => {
    s = await new WitnessScenario().start();
    const key1 = await s.makeKey(join(s.root, 'keys', 'audit-1.jwk.json'));
    await s.writeConfig([`signingKey: { file: ${key1.file} }`]);
    const serve = await s.startServe();
    await s.chat(2);
    const linesBefore = await s.lines();
    const key2File = join(s.root, 'keys', 'audit-2.jwk.json');

    const refused = await runCli(['audit', 'rotate-key', '--config', s.configFile, '--new-key', key2File]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, new RegExp(`a gateway is running on .* \\(pid ${serve.child.pid} on .*\\): stop it, then rotate the key`));
    assert.equal(existsSync(key2File), false, 'no new key was made');
    // (The live gateway goes on writing its own records and checkpoints; no hand-over among them.)
    const linesAfter = await s.lines();
    assert.deepEqual(linesAfter.slice(0, linesBefore.length), linesBefore);
    assert.ok(linesAfter.every((l) => !(JSON.parse(l) as { checkpoint?: { next?: unknown } }).checkpoint?.next), 'no hand-over checkpoint');
    // The gateway still holds its lock and still serves.
    await s.chat(1);

    await serve.stop('SIGTERM');
    const rotated = await runCli(['audit', 'rotate-key', '--config', s.configFile, '--new-key', key2File]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(existsSync(join(s.dataDir, lockFileName)), false, 'rotate-key released the lock');
  });
});
