import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import type { GatehouseConfig } from '../../../gateway/generated/gatehouse.config';
import { policyYaml } from '../../builders/policy';
import { waitFor } from '../../builders/wait-for';
import { startServe, type ServeProcess } from '../../helpers/cli';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { fleetEnv, startFleet, type TestFleet } from '../../helpers/fleet';
import { HttpReceiver } from '../../helpers/http-receiver';
import { usePostgres } from '../../helpers/postgres';

/**
 * The fleet's webhook retry queue lives in PostgreSQL: whichever instance fired an alert, any
 * instance delivers it when due, one at a time (FOR UPDATE SKIP LOCKED and a lease), so the
 * alert survives the instance that queued it, even one killed mid-delivery, and is never posted
 * twice by two instances. The instances are `gatehouse serve` processes, so they can be killed.
 */
describe('fleet: the alert webhook queue in PostgreSQL', function () {
  this.timeout(180_000);
  const pg = usePostgres();
  let dir: string;
  let upstream: FakeUpstream;
  let receiver: HttpReceiver;
  let fleet: TestFleet;
  const running: ServeProcess[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-webhooks-'));
    upstream = await new FakeUpstream().start();
    receiver = await new HttpReceiver().start();
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml({
      rules: [{ id: 'no-forbidden', match: { models: ['forbidden'] }, action: 'deny' }, { id: 'allow-rest', action: 'allow' }],
      alerts: [{ id: 'denial-burst', kind: 'denial_burst', threshold: 1, windowSeconds: 60, severity: 'high' }],
    }));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop('SIGKILL')));
    await fleet?.close();
    await receiver.stop();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The fleet (no in-process instance: only its schema, issuer and config) with this webhook setup.
   * `state`: e.g. a poll far longer than the test waits, so only being told (NOTIFY) gets an idle instance to look.
   */
  async function fleetWith(alerts: GatehouseConfig['alerts'], state?: GatehouseConfig['state']) {
    fleet = await startFleet(pg(), { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: [join(dir, 'team.policy.yaml')], watch: false }, alerts }, { instances: 0, configDir: dir, ...(state ? { state } : {}) });
  }
  /** The one instance whose claim the head of the queue carries, and the other. */
  function holderOf(claim: string | null, instances: (ServeProcess & { id: () => string })[]) {
    const holder = instances.find((s) => claim?.startsWith(`${s.id()}/`));
    assert.ok(holder, `the claim names a running instance: ${claim}`);
    return { holder, survivor: instances.find((s) => s !== holder)! };
  }
  /** Starts (or restarts, with the same data dir: the same instance) one `gatehouse serve` of the fleet. */
  async function instance(name: string): Promise<ServeProcess & { id: () => string }> {
    const dataDir = join(dir, name);
    const config = join(dir, `${name}.yaml`);
    const c = fleet.instanceConfig(name);
    writeFileSync(config, stringify({ ...c, server: { ...c.server, dataDir, listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } } }));
    const serve = await startServe(['-c', config, '--migrate'], { env: { [fleetEnv.pgUrl]: pg().url, [fleetEnv.hashKey]: process.env[fleetEnv.hashKey] } });
    running.push(serve);
    return Object.assign(serve, { id: () => readFileSync(join(dataDir, 'instance-id'), 'utf8').trim() });
  }
  async function stop(s: ServeProcess, signal: NodeJS.Signals) {
    running.splice(running.indexOf(s), 1);
    return s.stop(signal);
  }
  const deny = (s: ServeProcess, sub: string) =>
    assert.rejects(new OpenAI({ baseURL: `${s.dataUrl}/v1`, apiKey: fleet.token(sub), maxRetries: 0 }).chat.completions.create({ model: 'forbidden', messages: [{ role: 'user', content: 'x' }] }), (e: { status?: number }) => e.status === 403);
  const queue = () => pg().sql<{ alert_id: string; attempts: number; claim: string | null }>(`SELECT alert_id, attempts, claim FROM "${fleet.schema}".webhook_queue ORDER BY id`);

  it('receiver down, alerts queued, the fleet stopped (kill -9 and SIGTERM), receiver up, restarted: each alert delivered exactly once, in order', async () => {
    await receiver.stop();
    await fleetWith({ webhooks: [{ name: 'soc', url: `${receiver.url}/alerts`, timeoutMs: 2000 }], retry: { maxAttempts: 50, initialDelayMs: 50, maxDelayMs: 300 } });
    const a = await instance('gw-a');
    const b = await instance('gw-b');
    // Three incidents (one per caller), some fired through each instance.
    await deny(a, 'caller-1');
    await deny(b, 'caller-2');
    await deny(a, 'caller-3');
    const deadline = Date.now() + 30_000;
    // The head is retried; the two behind it wait their turn (a webhook's alerts go out in order).
    while (!((await queue()).length === 3 && (await queue())[0]!.attempts >= 3)) {
      assert.ok(Date.now() < deadline, `three alerts queued, the first retried: ${JSON.stringify(await queue())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const queued = (await queue()).map((e) => e.alert_id);
    assert.equal(await stop(a, 'SIGKILL'), null);
    assert.equal(await stop(b, 'SIGTERM'), 0);
    assert.deepEqual((await queue()).map((e) => e.alert_id), queued, 'still queued with the fleet down');

    receiver.respond = (_r, res) => res.writeHead(200).end();
    await receiver.start();
    // Both come back at once and both pump the queue: each entry goes out once.
    await Promise.all([instance('gw-a'), instance('gw-b')]);
    await waitFor(() => receiver.received.length >= 3, 'three deliveries', 30_000);
    const empty = Date.now() + 30_000;
    while ((await queue()).length) {
      assert.ok(Date.now() < empty, 'the queue to be emptied');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(receiver.received.map((r) => r.headers['x-gatehouse-alert-id']), queued, 'each alert once, in the order queued');
  });

  it('the instance posting an alert is killed mid-delivery: another instance, told of the entry when it was queued, delivers it once the lease ends (not at its next poll)', async () => {
    // The receiver holds every post unanswered until it is told to answer.
    let answering = false;
    let answered = 0;
    receiver.respond = (_r, res) => void (answering && (answered++, res.writeHead(200).end()));
    // The lease is 7 s (timeout + 2 s); an idle instance's own look would be 2 minutes away.
    await fleetWith({ webhooks: [{ name: 'soc', url: `${receiver.url}/alerts`, timeoutMs: 5000 }], retry: { maxAttempts: 10, initialDelayMs: 50, maxDelayMs: 300 } }, { webhookQueuePollSeconds: 120 });
    const instances = [await instance('gw-a'), await instance('gw-b')];
    await deny(instances[0]!, 'caller-1');
    await waitFor(() => receiver.received.length === 1, 'the first attempt, held by the receiver', 30_000);
    const [held] = await queue();
    assert.equal(held!.attempts, 1);
    const { holder, survivor } = holderOf(held!.claim, instances);
    assert.equal(await stop(holder, 'SIGKILL'), null);
    answering = true;
    await waitFor(() => answered === 1, 'the delivery by the other instance', 30_000);
    const empty = Date.now() + 30_000;
    while ((await queue()).length) {
      assert.ok(Date.now() < empty, 'the queue to be emptied');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(receiver.received.map((r) => r.headers['x-gatehouse-delivery-attempt']), ['1', '2']);
    assert.equal(new Set(receiver.received.map((r) => r.headers['x-gatehouse-alert-id'])).size, 1);
    assert.equal(answered, 1, 'delivered once');
    assert.equal(survivor.child.exitCode, null);
  });

  it('an instance reschedules a failed delivery and is killed: another, told of the new due time, delivers it then (not when the old lease or its poll ends)', async () => {
    // The first attempt is held until the test has read who claimed it, then refused with 503.
    let first: ServerResponse | undefined;
    receiver.respond = (_r, res) => (first ? res.writeHead(200).end() : (first = res));
    // Retried 5–10 s later; the lease is 62 s and an idle instance's own look 2 minutes away.
    await fleetWith({ webhooks: [{ name: 'soc', url: `${receiver.url}/alerts`, timeoutMs: 60_000 }], retry: { maxAttempts: 10, initialDelayMs: 10_000, maxDelayMs: 10_000 } }, { webhookQueuePollSeconds: 120 });
    const instances = [await instance('gw-a'), await instance('gw-b')];
    await deny(instances[0]!, 'caller-1');
    await waitFor(() => first !== undefined, 'the first attempt, held by the receiver', 30_000);
    const { holder, survivor } = holderOf((await queue())[0]!.claim, instances);
    first!.writeHead(503).end();
    const deadline = Date.now() + 30_000;
    while (!(await queue()).some((e) => e.attempts === 1 && e.claim === null)) {
      assert.ok(Date.now() < deadline, `the entry rescheduled: ${JSON.stringify(await queue())} ${instances.map((s) => s.stderr()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await stop(holder, 'SIGKILL'), null);
    await waitFor(() => receiver.received.length === 2, 'the second attempt, by the other instance', 30_000);
    assert.deepEqual(receiver.received.map((r) => r.headers['x-gatehouse-delivery-attempt']), ['1', '2']);
    const empty = Date.now() + 30_000;
    while ((await queue()).length) {
      assert.ok(Date.now() < empty, 'the queue to be emptied');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(survivor.child.exitCode, null);
  });
});
