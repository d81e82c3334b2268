import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditServiceImpl } from '../../../gateway/audit/audit-service';
import type { InstanceList } from '../../../gateway/core/admin-api';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { nextEvent } from '../../builders/wait-for';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startFleet, type TestFleet } from '../../helpers/fleet';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { usePostgres } from '../../helpers/postgres';

const spec: Spec = { rules: [{ id: 'allow-all', action: 'allow' }] };
const other: Spec = { rules: [{ id: 'no-gpt-4o', match: { models: ['gpt-4o'] }, action: 'deny' }, { id: 'allow-rest', action: 'allow' }] };

/** GET /admin/instances as `g` answers it. */
async function instancesOn(g: TestGateway): Promise<InstanceList> {
  const res = await fetch(`${g.adminUrl}/admin/instances`, { headers: { authorization: `Bearer ${readFileSync(join(g.dataDir, 'admin.token'), 'utf8').trim()}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as InstanceList;
}

/**
 * GET /admin/instances in a fleet: every instance lists every instance (the `instances` table),
 * with the policy version each runs and its health; an instance started with a different policy
 * file is flagged, on every instance's answer, until it runs the fleet's version again.
 */
describe('fleet: GET /admin/instances lists the instances and flags a differing policy version', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let dir: string;
  let upstream: FakeUpstream;
  let fleet: TestFleet;
  let odd: TestGateway | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-instances-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    writeFileSync(join(dir, 'other.policy.yaml'), policyYaml(other));
    upstream = await new FakeUpstream().start();
    // Heartbeats every third of a second: a version change shows within one.
    fleet = await startFleet(pg(), { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: [join(dir, 'team.policy.yaml')], watch: false } }, { instances: 2, configDir: dir, state: { instanceTimeoutSeconds: 1 } });
  });
  after(async () => {
    await odd?.close();
    await fleet?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Asks `g` until `done` holds (heartbeats are asynchronous), at most `ms`. */
  async function until(g: TestGateway, done: (l: InstanceList) => boolean, label: string, ms = 15_000): Promise<InstanceList> {
    const deadline = Date.now() + ms;
    for (;;) {
      const list = await instancesOn(g);
      if (done(list)) return list;
      assert.ok(Date.now() < deadline, `${label}: ${JSON.stringify(list)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('two instances on one policy: both listed, running, ready, one version, nothing flagged', async () => {
    const [a, b] = fleet.gateways as [TestGateway, TestGateway];
    const list = await instancesOn(a);
    assert.deepEqual(list.data.map((i) => [i.name, i.state, i.ready, i.policyDiffers]).sort(), [['gw-a', 'running', true, false], ['gw-b', 'running', true, false]]);
    assert.equal(list.policyVersionsDiffer, false);
    assert.deepEqual(list.data.filter((i) => i.self).map((i) => i.name), ['gw-a']);
    assert.equal(new Set(list.data.map((i) => i.policyVersion)).size, 1);
    assert.equal(list.data[0]!.policyVersion, a.runtime.policy.version);
    assert.deepEqual((await instancesOn(b)).data.filter((i) => i.self).map((i) => i.name), ['gw-b']);
    for (const i of list.data) assert.ok(Date.parse(i.lastSeen) >= Date.parse(i.startedAt), 'a heartbeat time');
  });

  it('a third instance started with a different policy file is flagged on every instance, announced, and unflagged once it runs the fleet\'s version', async () => {
    const [a, b] = fleet.gateways as [TestGateway, TestGateway];
    const started = nextEvent(a.runtime.events, 'instance.changed', (e) => e.name === 'gw-odd' && e.change === 'started', 15_000);
    const c = fleet.instanceConfig('gw-odd');
    odd = await startGateway({ ...c, policy: { paths: [join(dir, 'other.policy.yaml')], watch: false } }, { configDir: dir });
    await started;
    for (const g of [a, b, odd]) {
      const list = await until(g, (l) => l.data.length === 3, 'three instances');
      assert.equal(list.policyVersionsDiffer, true);
      assert.deepEqual(list.data.filter((i) => i.policyDiffers).map((i) => i.name), ['gw-odd'], 'the odd one out is flagged');
      assert.notEqual(list.data.find((i) => i.name === 'gw-odd')!.policyVersion, list.data.find((i) => i.name === 'gw-a')!.policyVersion);
    }
    // It is given the fleet's policy and reloads: it reports its version at once and says so.
    const reported = nextEvent(a.runtime.events, 'instance.changed', (e) => e.name === 'gw-odd' && e.change === 'policy', 15_000);
    writeFileSync(join(dir, 'other.policy.yaml'), policyYaml(spec));
    assert.equal((await odd.runtime.policy.reload()).ok, true);
    await reported;
    const healed = await instancesOn(a);
    assert.equal(healed.policyVersionsDiffer, false, 'the table has the new version when the event arrives');
    assert.deepEqual(healed.data.map((i) => i.policyDiffers), [false, false, false]);

    // A clean stop is announced and listed as stopped; a stopped instance's version never counts.
    const stopped = nextEvent(a.runtime.events, 'instance.changed', (e) => e.name === 'gw-odd' && e.change === 'stopped', 15_000);
    const differsAgain = nextEvent(a.runtime.events, 'instance.changed', (e) => e.name === 'gw-odd' && e.change === 'policy', 15_000);
    writeFileSync(join(dir, 'other.policy.yaml'), policyYaml(other));
    await odd.runtime.policy.reload();
    await differsAgain;
    assert.equal((await instancesOn(a)).policyVersionsDiffer, true, 'flagged again');
    await odd.close();
    odd = undefined;
    await stopped;
    const after = await instancesOn(a);
    assert.deepEqual(after.data.map((i) => [i.name, i.state]), [['gw-a', 'running'], ['gw-b', 'running'], ['gw-odd', 'stopped']]);
    assert.equal(after.policyVersionsDiffer, false);
    assert.ok(after.data[2]!.stoppedAt);
  });
});

/**
 * An instance's readiness reaches the fleet when it changes, not at its next heartbeat (here 100 s
 * away): its audit log stops being writable, and the other instance's GET /admin/instances lists
 * it not ready, announced by instance.changed; it recovers, and is listed ready again.
 */
describe('fleet: an instance that becomes not ready (or ready again) is listed so at once', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let dir: string;
  let upstream: FakeUpstream;
  let fleet: TestFleet;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-readiness-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    upstream = await new FakeUpstream().start();
    fleet = await startFleet(pg(), {
      upstreams: [{ name: 'fake', url: upstream.url }],
      policy: { paths: [join(dir, 'team.policy.yaml')], watch: false },
      // Small segments, so the next one can be made unwritable; the outage is retried every 50 ms.
      audit: { segmentMaxBytes: 1024, outageRetryMs: 50 },
    }, { instances: 2, configDir: dir, state: { instanceTimeoutSeconds: 300 } });
  });
  after(async () => {
    await fleet?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audit log unwritable on A: B lists A not ready, with the reason; writable again: ready', async () => {
    const [a, b] = fleet.gateways as [TestGateway, TestGateway];
    const audit = a.runtime.audit as AuditServiceImpl;
    const listedA = async () => (await instancesOn(b)).data.find((i) => i.name === 'gw-a')!;
    assert.equal((await listedA()).ready, true);

    const notReady = nextEvent(b.runtime.events, 'instance.changed', (e) => e.name === 'gw-a' && e.change === 'readiness', 15_000);
    await audit.append({ kind: 'note', details: { padding: 'x'.repeat(2048) } });
    const next = audit.writer.nextSegmentPath();
    await symlink('/dev/full', next);
    await assert.rejects(audit.append({ kind: 'note', details: { during: true } }), (err: NodeJS.ErrnoException) => err.code === 'ENOSPC');
    await notReady;
    const down = await listedA();
    assert.deepEqual([down.ready, down.notReady, down.state], [false, ['audit log not writable'], 'running']);

    const ready = nextEvent(b.runtime.events, 'instance.changed', (e) => e.name === 'gw-a' && e.change === 'readiness', 15_000);
    await unlink(next);
    await ready;
    const up = await listedA();
    assert.deepEqual([up.ready, up.notReady], [true, []]);
  });
});
