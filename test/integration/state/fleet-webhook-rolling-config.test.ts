import assert from 'node:assert/strict';
import { createWebhookDelivery, type WebhookDelivery } from '../../../gateway/alerts/webhook-delivery';
import type { Alerts } from '../../../gateway/generated/gatehouse.config';
import { createLogger } from '../../../gateway/log';
import { PgListener } from '../../../gateway/state/pg-listener';
import { PostgresState } from '../../../gateway/state/postgres-state';
import { PostgresWebhookQueue } from '../../../gateway/state/postgres-webhook-queue';
import { waitFor } from '../../builders/wait-for';
import { until } from '../../helpers/audit-log';
import { HttpReceiver } from '../../helpers/http-receiver';
import { usePostgres } from '../../helpers/postgres';

/**
 * A rolling config change in a fleet that shares its webhook queue: instance A still has the
 * `old-siem` webhook, instance B already runs the config without it. B must not give up what is
 * queued for `old-siem` while an instance that has it may still claim it; once the head has waited
 * unclaimed for the orphan time (a minute), B gives it up with the usual log line and metric.
 * Both are the real delivery loop on real PostgreSQL; only the clock is the test's, so a minute
 * passes at once (the gateway-level restart case is alert-webhook-restart.test.ts).
 */
describe('fleet: queued alerts of a webhook removed in a rolling config change', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let receiver: HttpReceiver;
  const closing: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    receiver = await new HttpReceiver().start();
  });
  afterEach(async () => {
    for (const close of closing.splice(0).reverse()) await close();
    await receiver.stop();
  });

  it('an instance without the webhook leaves its entries to the instances that have it, and gives them up only once they waited a minute unclaimed', async () => {
    const settings = await pg().migratedSchema();
    let clock = Date.parse('2026-12-06T12:00:00Z');
    const now = () => clock;
    const lines: string[] = [];
    const given: { instance: string; webhook: string }[] = [];
    const orphanChecks = { b: 0 };

    /** Moves the clock on and waits for B's next orphan check (B checks once per poll of the clock it sees). */
    async function passes(ms: number): Promise<void> {
      clock += ms;
      const checked = orphanChecks.b;
      await waitFor(() => orphanChecks.b > checked, 'B to check for orphans after the clock moved');
    }

    async function instance(name: 'a' | 'b', alerts: Alerts): Promise<WebhookDelivery> {
      const state = await PostgresState.open(settings, createLogger({ write: () => {} }));
      const listener = new PgListener(settings.url, createLogger({ write: () => {} }));
      const queue = await PostgresWebhookQueue.open(state, listener, `instance-${name}`);
      // The real store, its orphan checks counted: B's checks are what the test waits on instead of sleeping.
      const removeOrphans = queue.removeOrphans.bind(queue);
      queue.removeOrphans = (...args) => {
        if (name === 'b') orphanChecks.b++;
        return removeOrphans(...args);
      };
      const log = createLogger({ write: (line: string) => void lines.push(`${name} ${line}`) });
      const delivery = createWebhookDelivery(alerts, { log, configDir: '.', queue, now, pollMs: 20, onGivenUp: (webhook) => given.push({ instance: name, webhook }) });
      closing.push(async () => {
        await delivery.close();
        await listener.close();
        await state.close();
      });
      return delivery;
    }

    // old-siem is down: A's attempt fails and is rescheduled, so the entry stays queued.
    receiver.respond = (r, res) => res.writeHead(r.url === '/old' ? 503 : 200).end();
    const retry = { maxAttempts: 50, initialDelayMs: 1000, maxDelayMs: 1000 };
    const soc = { name: 'soc', url: `${receiver.url}/soc`, timeoutMs: 2000 };
    const oldSiem = { name: 'old-siem', url: `${receiver.url}/old`, timeoutMs: 2000 };
    const a = await instance('a', { webhooks: [soc, oldSiem], retry });
    await instance('b', { webhooks: [soc], retry });

    await a.deliver({ id: 'alr_rolling1', rule: 'denial-burst', severity: 'high', message: 'a burst of denials', at: new Date(clock).toISOString() });
    await waitFor(() => receiver.received.some((r) => r.url === '/soc'), 'the alert delivered to soc');
    await waitFor(() => lines.some((l) => l.startsWith('a ') && /alert webhook attempt failed; retrying.*webhook=old-siem/.test(l)), 'A tried old-siem and rescheduled it');
    const queued = () => pg().sql<{ channel: string }>(`SELECT channel FROM "${settings.schema}".webhook_queue`);
    // soc's entry is deleted once its 200 is in, a moment after the receiver saw the request.
    await until(async () => !(await queued()).some((q) => q.channel === 'soc'), 5000, "soc's entry removed once delivered");
    assert.deepEqual((await queued()).map((q) => q.channel), ['old-siem']);

    // A is rolled to the new config (stopped). Half a minute passes, B looking every 10 s: not stale yet.
    await closing.shift()!();
    for (let step = 0; step < 3; step++) await passes(10_000);
    assert.deepEqual((await queued()).map((q) => q.channel), ['old-siem'], 'kept: an instance that has the webhook may still claim it');
    assert.deepEqual(given, []);

    // A minute after it was last rescheduled, no instance having claimed it: B gives it up.
    await passes(31_000);
    await waitFor(() => given.length > 0, 'B to give up the orphaned entry');
    assert.deepEqual(given, [{ instance: 'b', webhook: 'old-siem' }]);
    assert.deepEqual(await queued(), []);
    assert.ok(lines.some((l) => l.startsWith('b ') && /alert webhook delivery failed; giving up.*webhook=old-siem alertId=alr_rolling1 attempts=1 error="?the webhook is no longer in alerts\.webhooks/.test(l)), lines.join('\n'));
    assert.equal(receiver.received.filter((r) => r.url === '/old').length, 1, 'old-siem was tried once, by A, and never by B');
  });
});
