import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { parse, stringify } from 'yaml';
import { policyYaml } from '../../builders/policy';
import { waitFor } from '../../builders/wait-for';
import { runCli, startServe, type ServeProcess } from '../../helpers/cli';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { HttpReceiver } from '../../helpers/http-receiver';

/**
 * The webhook retry queue survives a restart of an embedded gateway: with the receiver down, an
 * alert is queued (a file in the data dir) and retried; the gateway stops (SIGTERM, or kill -9
 * between two writes of the queue); the receiver comes back; the gateway, restarted, delivers the
 * alert exactly once, counting the attempts made before the stop.
 */
describe('alert webhooks: the retry queue survives a restart (embedded)', function () {
  this.timeout(120_000);
  let dir: string;
  let upstream: FakeUpstream;
  let receiver: HttpReceiver;
  let serve: ServeProcess | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-webhook-restart-'));
    upstream = await new FakeUpstream().start();
    // Take a port for the receiver, then take the receiver down: the gateway's posts are refused.
    receiver = await new HttpReceiver().start();
    await receiver.stop();
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml({
      rules: [{ id: 'no-forbidden', match: { models: ['forbidden'] }, action: 'deny' }, { id: 'allow-rest', action: 'allow' }],
      alerts: [{ id: 'denial-burst', kind: 'denial_burst', threshold: 1, windowSeconds: 60, severity: 'high' }],
    }));
    writeFileSync(join(dir, 'gatehouse.yaml'), stringify({
      server: { dataDir: join(dir, 'data'), listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      upstreams: [{ name: 'fake', url: upstream.url }],
      policy: { paths: ['team.policy.yaml'], watch: false },
      alerts: { webhooks: [{ name: 'soc', url: `${receiver.url}/alerts`, timeoutMs: 2000 }], retry: { maxAttempts: 50, initialDelayMs: 50, maxDelayMs: 200 } },
    }));
  });
  afterEach(async () => {
    await serve?.stop('SIGKILL');
    serve = undefined;
    await receiver.stop();
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const queueFile = () => join(dir, 'data', 'webhook-queue.json');
  const queued = (): { alertId: string; attempts: number }[] => (existsSync(queueFile()) ? JSON.parse(readFileSync(queueFile(), 'utf8')).entries : []);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`receiver down, alert fired, gateway stopped with ${signal}, receiver up, gateway restarted: delivered exactly once`, async () => {
      serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
      const minted = await runCli(['token', '--sub', 'prober', '--data-dir', join(dir, 'data')]);
      assert.equal(minted.code, 0, minted.stderr);
      const client = new OpenAI({ baseURL: `${serve.dataUrl}/v1`, apiKey: minted.stdout.trim(), maxRetries: 0 });
      await assert.rejects(client.chat.completions.create({ model: 'forbidden', messages: [{ role: 'user', content: 'x' }] }), (e: { status?: number }) => e.status === 403);
      // Queued and failing: a few attempts made (and recorded) while the receiver is down.
      await waitFor(() => queued().some((e) => e.attempts >= 3), 'three failed attempts recorded in the queue', 30_000);
      const { alertId } = queued()[0]!;
      assert.equal(await serve.stop(signal), signal === 'SIGTERM' ? 0 : null);
      serve = undefined;
      const before = queued();
      assert.deepEqual(before.map((e) => e.alertId), [alertId], 'the alert is still queued after the stop');

      await receiver.start();
      serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
      await waitFor(() => receiver.received.length >= 1, 'the delivery after the restart', 30_000);
      await waitFor(() => queued().length === 0, 'the queue to be empty', 30_000);
      // Delivered: nothing more goes out (a stop and start later, the queue is still empty).
      assert.equal(await serve.stop('SIGTERM'), 0);
      serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
      assert.deepEqual(queued(), []);
      assert.equal(receiver.received.length, 1, 'delivered exactly once');
      const [got] = receiver.received;
      assert.equal(got!.headers['x-gatehouse-alert-id'], alertId);
      assert.equal(JSON.parse(got!.body).rule, 'denial-burst');
      assert.ok(Number(got!.headers['x-gatehouse-delivery-attempt']) > before[0]!.attempts, `the attempts before the stop count (attempt ${String(got!.headers['x-gatehouse-delivery-attempt'])} after ${before[0]!.attempts})`);
    });
  }

  it('a webhook removed from the config while its alerts were queued: at the restart they are given up, said and counted; the others are delivered', async () => {
    const config = parse(readFileSync(join(dir, 'gatehouse.yaml'), 'utf8'));
    const soc = config.alerts.webhooks[0];
    config.alerts.webhooks.push({ ...soc, name: 'old-siem', url: `${receiver.url}/old` });
    writeFileSync(join(dir, 'gatehouse.yaml'), stringify(config));
    serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
    const minted = await runCli(['token', '--sub', 'prober', '--data-dir', join(dir, 'data')]);
    const client = new OpenAI({ baseURL: `${serve.dataUrl}/v1`, apiKey: minted.stdout.trim(), maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'forbidden', messages: [{ role: 'user', content: 'x' }] }), (e: { status?: number }) => e.status === 403);
    await waitFor(() => queued().length === 2 && queued().every((e) => e.attempts >= 1), 'the alert queued for both webhooks, and tried', 30_000);
    assert.equal(await serve.stop('SIGTERM'), 0);

    // old-siem is removed from the config; the receiver is back.
    config.alerts.webhooks = [soc];
    writeFileSync(join(dir, 'gatehouse.yaml'), stringify(config));
    await receiver.start();
    serve = await startServe(['--config', join(dir, 'gatehouse.yaml')]);
    await waitFor(() => receiver.received.length >= 1, 'the delivery to soc', 30_000);
    await waitFor(() => queued().length === 0, 'the queue to be empty', 30_000);
    assert.deepEqual(receiver.received.map((r) => r.url), ['/alerts'], 'nothing posted to the removed webhook');
    assert.match(serve.stderr(), /alert webhook delivery failed; giving up webhook=old-siem alertId=alr_\S+ attempts=\d+ error="?the webhook is no longer in alerts\.webhooks/);
    const token = readFileSync(join(dir, 'data', 'admin.token'), 'utf8').trim();
    const metrics = await (await fetch(`${serve.adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    assert.match(metrics, /^gatehouse_alert_webhook_given_up_total\{webhook="old-siem"\} 1$/m);
  });
});
