import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditDir } from '../../../gateway/audit/verify-log';
import { readAuditRecords, writeSampleLog } from '../../helpers/audit-log';
import { startServe, type ServeProcess } from '../../helpers/cli';
import { startGateway } from '../../helpers/gateway';

/** One writer per data dir (gatehouse.lock), one random chain id per data dir. */
describe('data dir: one writer, one chain id', function () {
  this.timeout(180_000);
  let dir: string;
  const running: ServeProcess[] = [];
  const dataDir = () => join(dir, 'data');
  const config = () => join(dir, 'gatehouse.yaml');
  const serve = async () => {
    const s = await startServe(['--config', config()]);
    running.push(s);
    return s;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-lock-'));
    writeFileSync(config(), ['server:', `  dataDir: ${dataDir()}`, '  listen: { host: 127.0.0.1, port: 0 }', '  admin: { host: 127.0.0.1, port: 0 }', ''].join('\n'));
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second serve on the same data dir exits 2 naming the holder; the first keeps serving', async () => {
    const first = await serve();
    const lock = JSON.parse(readFileSync(join(dataDir(), 'gatehouse.lock'), 'utf8'));
    assert.equal(lock.pid, first.child.pid);
    assert.equal(lock.host, hostname());
    assert.ok(!Number.isNaN(Date.parse(lock.startedAt)));
    const second = await startServe(['--config', config()]).then(
      (s) => {
        running.push(s);
        return undefined;
      },
      (err: Error) => err.message,
    );
    assert.ok(second !== undefined, 'the second serve started on a data dir in use');
    assert.match(second, /exited with 2/);
    assert.match(second, new RegExp(`in use by another gatehouse serve: pid ${first.child.pid} on ${hostname()}`));
    // The holder is untouched: still locked by it, and it still answers.
    assert.equal(JSON.parse(readFileSync(join(dataDir(), 'gatehouse.lock'), 'utf8')).pid, first.child.pid);
    assert.equal((await fetch(`${first.adminUrl}/healthz`)).status, 200);
  });

  it('a clean stop removes the lock', async () => {
    const s = await serve();
    assert.equal(existsSync(join(dataDir(), 'gatehouse.lock')), true);
    assert.equal(await s.stop('SIGTERM'), 0);
    assert.equal(existsSync(join(dataDir(), 'gatehouse.lock')), false);
  });

  it('the stale lock of a gateway killed with SIGKILL is taken over, and the start record says so', async () => {
    const first = await serve();
    const pid = first.child.pid!;
    const stale = JSON.parse(readFileSync(join(dataDir(), 'gatehouse.lock'), 'utf8'));
    await first.stop('SIGKILL');
    const second = await serve();
    assert.equal(JSON.parse(readFileSync(join(dataDir(), 'gatehouse.lock'), 'utf8')).pid, second.child.pid);
    await second.stop('SIGTERM');
    const starts = (await readAuditRecords(join(dataDir(), 'audit'))).filter((r) => r.kind === 'start');
    assert.equal(starts.length, 2);
    assert.equal((starts[0]!.details as { staleLock?: unknown }).staleLock, undefined);
    assert.deepEqual((starts[1]!.details as { staleLock?: unknown }).staleLock, stale);
    assert.equal((starts[1]!.details as { pid: number }).pid, second.child.pid);
    assert.equal(stale.pid, pid);
  });

  it('a lock naming a pid that is not running is stale and is taken over', async () => {
    // A process that has exited: its pid names no process (a pid is not reused this soon).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(gone.stdout);
    mkdirSync(dataDir(), { recursive: true });
    const stale = { pid: deadPid, startedAt: '2026-01-01T00:00:00.000Z', host: hostname() };
    writeFileSync(join(dataDir(), 'gatehouse.lock'), JSON.stringify(stale));
    const s = await serve();
    assert.equal(JSON.parse(readFileSync(join(dataDir(), 'gatehouse.lock'), 'utf8')).pid, s.child.pid);
    await s.stop('SIGTERM');
    const start = (await readAuditRecords(join(dataDir(), 'audit'))).find((r) => r.kind === 'start');
    assert.deepEqual((start?.details as { staleLock?: unknown }).staleLock, stale);
  });

  it('two data dirs get different random chain ids, kept across restarts; the host name is a label only', async () => {
    const dirs = [join(dir, 'a'), join(dir, 'b')];
    const chainsOf = async (d: string) => [...new Set((await readAuditRecords(join(d, 'audit'))).map((r) => r.chain))];
    for (const d of dirs) await (await startGateway({}, { dataDir: d })).close();
    const [ca, cb] = [await chainsOf(dirs[0]!), await chainsOf(dirs[1]!)];
    assert.equal(ca.length, 1);
    assert.equal(cb.length, 1);
    assert.notEqual(ca[0], cb[0]);
    for (const c of [ca[0]!, cb[0]!]) {
      assert.notEqual(c, hostname());
      assert.match(c, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    assert.equal(readFileSync(join(dirs[0]!, 'audit', 'chain-id'), 'utf8').trim(), ca[0]);
    const start = (await readAuditRecords(join(dirs[0]!, 'audit'))).find((r) => r.kind === 'start');
    assert.equal((start?.details as { host: string }).host, hostname());
    // A restart continues the same chain.
    await (await startGateway({}, { dataDir: dirs[0]! })).close();
    assert.deepEqual(await chainsOf(dirs[0]!), ca);
    assert.deepEqual((await verifyAuditDir(join(dirs[0]!, 'audit'))).findings, []);
  });

  it('an existing data dir keeps the chain id its log already has, so old logs still verify', async () => {
    mkdirSync(dataDir(), { recursive: true });
    await writeSampleLog(dataDir(), 5, { chainId: 'legacy-host' });
    const g = await startGateway({}, { dataDir: dataDir() });
    await g.close();
    const records = await readAuditRecords(join(dataDir(), 'audit'));
    assert.deepEqual([...new Set(records.map((r) => r.chain))], ['legacy-host']);
    assert.equal(readFileSync(join(dataDir(), 'audit', 'chain-id'), 'utf8').trim(), 'legacy-host');
    assert.deepEqual((await verifyAuditDir(join(dataDir(), 'audit'))).findings, []);
  });
});
