import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAlertService, type AlertService } from '../../../gateway/alerts/alert-service';
import { EventBus } from '../../../gateway/events';
import type { Rule } from '../../../gateway/generated/alert-rules';
import type { Alerts } from '../../../gateway/generated/gatehouse.config';
import { silentLogger } from '../../../gateway/log';
import { RecordingAudit } from '../../builders/recording-audit';
import { SseClient } from '../../builders/sse-client';
import { startAdmin } from '../../builders/admin-runtime';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWebhookQueue } from '../../../gateway/state/file-webhook-queue';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver answering with scripted statuses (200 once the script runs out). */
async function startReceiver(script: number[] = []) {
  const received: Received[] = [];
  let waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(script.shift() ?? 200).end();
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('alerts delivered to webhooks', () => {
  const rules: Rule[] = [{ id: 'denial-burst', kind: 'denial_burst', threshold: 3, windowSeconds: 60, severity: 'high' }];
  let events: EventBus;
  let service: AlertService | undefined;
  const receivers: { close(): Promise<unknown> }[] = [];

  let dir: string;
  let queue: FileWebhookQueue;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-webhooks-'));
    queue = await FileWebhookQueue.open(join(dir, 'webhook-queue.json'), silentLogger);
    events = new EventBus();
    process.env.GATEHOUSE_TEST_WEBHOOK_SECRET = 's3cret';
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    delete process.env.GATEHOUSE_TEST_WEBHOOK_SECRET;
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(cfg: Alerts) {
    service = createAlertService(cfg, { log: silentLogger, events, audit: new RecordingAudit(events), getRules: () => rules, configDir: process.cwd(), random: () => 0.5, webhookQueue: { queue } });
  }
  function denials(principal: string, n: number) {
    for (let i = 0; i < n; i++) events.emit('audit.appended', { id: `${principal}_${i}_${Math.random()}`, seq: i, kind: 'denied', principal, decision: 'deny' });
  }

  it('posts each incident exactly once, signed, to JSON and Slack receivers', async () => {
    const json = await startReceiver();
    const slack = await startReceiver();
    receivers.push(json, slack);
    start({
      webhooks: [
        { name: 'soc', url: json.url, format: 'json', secret: { env: 'GATEHOUSE_TEST_WEBHOOK_SECRET' }, headers: { 'x-team': 'sec' } },
        { name: 'slack', url: slack.url, format: 'slack' },
      ],
    });
    denials('ci-deployer', 25); // one incident
    denials('contractor', 3); // another
    await service!.idle();
    assert.equal(json.received.length, 2);
    assert.equal(slack.received.length, 2);

    const first = json.received.find((r) => JSON.parse(r.body).principal === 'ci-deployer')!;
    const alert = JSON.parse(first.body);
    assert.equal(alert.type, 'gatehouse.alert');
    assert.equal(alert.rule, 'denial-burst');
    assert.equal(alert.severity, 'high');
    assert.equal(first.headers['x-gatehouse-alert-id'], alert.id);
    assert.equal(first.headers['x-team'], 'sec');
    const ts = String(first.headers['x-gatehouse-timestamp']);
    const expected = `v1=${createHmac('sha256', 's3cret').update(`${ts}.${first.body}`).digest('hex')}`;
    assert.equal(first.headers['x-gatehouse-signature'], expected);
    assert.equal(slack.received[0].headers['x-gatehouse-signature'], undefined);

    const message = JSON.parse(slack.received.find((r) => r.body.includes('contractor'))!.body);
    assert.match(message.text, /^\[HIGH\] Gatehouse denial-burst: contractor was denied 3 times within 60 s$/);
    assert.deepEqual(message.blocks.map((b: { type: string }) => b.type), ['header', 'section', 'context']);
  });

  it('retries with backoff after the receiver fails, then delivers once it recovers', async () => {
    const flaky = await startReceiver([503, 500]);
    receivers.push(flaky);
    start({ webhooks: [{ name: 'flaky', url: flaky.url }], retry: { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 200 } });
    const t0 = Date.now();
    denials('ci-deployer', 3);
    await service!.idle();
    const elapsed = Date.now() - t0;
    assert.deepEqual(flaky.received.map((r) => r.headers['x-gatehouse-delivery-attempt']), ['1', '2', '3']);
    assert.equal(new Set(flaky.received.map((r) => r.headers['x-gatehouse-alert-id'])).size, 1, 'the same alert id on every attempt');
    // Equal jitter with r = 0.5: 15 ms, then 30 ms.
    assert.ok(elapsed >= 45, `backed off (${elapsed} ms)`);
  });

  it('retries a receiver that is down (connection refused) and gives up after maxAttempts', async () => {
    const gone = await startReceiver();
    await gone.close();
    const logged: [string, Record<string, unknown> | undefined][] = [];
    const log = { ...silentLogger, warn: (m: string, f?: Record<string, unknown>) => logged.push([m, f]), error: (m: string, f?: Record<string, unknown>) => logged.push([m, f]) };
    service = createAlertService({ webhooks: [{ name: 'down', url: gone.url }], retry: { maxAttempts: 3, initialDelayMs: 5 } }, { log, events, audit: new RecordingAudit(), getRules: () => rules, configDir: process.cwd(), webhookQueue: { queue } });
    denials('p', 3);
    await service.idle(); // resolves only once the attempts are exhausted
    assert.deepEqual(
      logged.map(([m, f]) => [m, f?.attempt ?? f?.attempts]),
      [
        ['alert webhook attempt failed; retrying', 1],
        ['alert webhook attempt failed; retrying', 2],
        ['alert webhook delivery failed; giving up', 3],
      ],
    );
  });

  it('does not retry a 4xx refusal and honours minSeverity', async () => {
    const strict = await startReceiver([400]);
    const pager = await startReceiver();
    receivers.push(strict, pager);
    start({ webhooks: [{ name: 'strict', url: strict.url }, { name: 'pager', url: pager.url, minSeverity: 'critical' }], retry: { initialDelayMs: 5 } });
    denials('p', 3);
    await service!.idle();
    assert.equal(strict.received.length, 1);
    assert.equal(pager.received.length, 0);
  });

  it('refuses at start a webhook whose secret is missing', () => {
    assert.throws(() => start({ webhooks: [{ name: 'x', url: 'http://127.0.0.1:9/x', secret: { env: 'GATEHOUSE_TEST_NOT_SET' } }] }), /GATEHOUSE_TEST_NOT_SET is not set/);
  });

  it('streams fired alerts on the admin event stream', async () => {
    const h = await startAdmin();
    try {
      service = createAlertService({}, { log: silentLogger, events: h.events, audit: h.audit, getRules: () => rules, configDir: process.cwd(), webhookQueue: { queue } });
      const client = await SseClient.open(`${h.url}/admin/events?types=alert.fired`, { authorization: `Bearer ${h.adminToken}` });
      for (let i = 0; i < 5; i++) h.events.emit('audit.appended', { id: `r${i}`, seq: i, kind: 'denied', principal: 'ci-deployer', decision: 'deny' });
      await client.until((c) => c.events.length === 1, 'alert event');
      const alert = JSON.parse(client.events[0].data);
      assert.equal(alert.rule, 'denial-burst');
      assert.equal(h.audit.ofKind('alert')[0].fields.alertId, alert.id);
      client.close();
    } finally {
      await h.close();
    }
  });
});
