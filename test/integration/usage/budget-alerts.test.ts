import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { auditRecordOf, recordsOf } from '../../builders/audit-record-of';
import { policyYaml } from '../../builders/policy';
import { SseClient } from '../../builders/sse-client';
import { collectEvents, waitFor } from '../../builders/wait-for';
import { FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { HttpReceiver } from '../../helpers/http-receiver';

/**
 * Issue 21: budgets warn before they stop. A 100-token budget with alertAt [0.8, 1], through a
 * running gateway and the openai SDK against an upstream that reports usage: the request whose
 * usage takes the window past 80 % fires one alert, the one past 100 % another, and nothing else
 * in that window does — each alert on the admin event stream (what the extension's alert view
 * shows), posted to the webhook, and in an alert audit record, naming rule, limit, holder,
 * fraction, used/limit and the reset, and nothing of any request.
 */
describe('budget alerts at fractions, through the gateway', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let hook: HttpReceiver;
  let dir: string;
  const prompt = 'codeword zebra';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-budget-alerts-'));
    writeFileSync(join(dir, 'budgets.policy.yaml'), policyYaml({
      defaultAction: 'deny',
      rules: [{ id: 'warned-tokens', action: 'allow', limits: { tokens: { total: 100, per: '1h', alertAt: [0.8, 1] } } }],
    }));
    upstream = await new FakeUpstream().start();
    hook = await new HttpReceiver().start();
    gateway = await startGateway({
      upstreams: [{ name: 'fake', url: upstream.url }],
      policy: { paths: ['budgets.policy.yaml'], watch: false },
      alerts: { webhooks: [{ name: 'ops', url: `${hook.url}/alerts` }] },
    }, { configDir: dir });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await hook?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The upstream's answer reports `total` tokens used. */
  const reporting = (total: number) => {
    upstream.handler = (_req, res) => sendJson(res, 200, {
      id: 'c', object: 'chat.completion', created: 0, model: 'llama3',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 4, completion_tokens: total - 4, total_tokens: total },
    });
  };

  it('past 80 % and past 100 %: exactly two alerts (event, webhook, audit record), none again on further requests in the window', async () => {
    const apiKey = await gateway.token({ sub: 'agent-7' });
    const client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey, maxRetries: 0 });
    const adminToken = readFileSync(join(gateway.dataDir, 'admin.token'), 'utf8').trim();
    const stream = await SseClient.open(`${gateway.adminUrl}/admin/events?types=alert.fired`, { authorization: `Bearer ${adminToken}` });
    const fired = collectEvents(gateway.runtime.events, ['alert.fired']);
    const ask = () => client.chat.completions.create({ model: 'llama3', messages: [{ role: 'user', content: prompt }] }); // reserves 4 (the prompt's bytes / 4)
    const before = Date.now();

    reporting(70);
    await ask(); // 70: below 80 %
    assert.equal(fired.list.length, 0);
    reporting(15);
    await ask(); // 85: past 80 %
    await waitFor(() => fired.list.length === 1, 'the 80 % alert');
    reporting(5);
    await ask(); // 90: past nothing new
    reporting(20);
    await ask(); // 110: past 100 % (admitted at 90 + 4, the overshoot counts)
    await waitFor(() => fired.list.length === 2, 'the 100 % alert');
    const refused = await ask().then(() => assert.fail('admitted past the budget'), (e: InstanceType<typeof OpenAI.APIError>) => e);
    assert.deepEqual([refused.status, refused.code], [429, 'ERR_LIMIT_TOKENS']);
    // The refusal's record is durable after anything the requests before it set off: count now.
    await auditRecordOf(gateway, { requestId: refused.headers?.get('x-request-id') ?? undefined });
    assert.equal(upstream.requests.length, 4);

    const alerts = fired.list.map((e) => e.payload);
    assert.deepEqual(alerts.map((a) => [a.rule, a.severity, a.principal]), [['warned-tokens', 'medium', 'agent-7'], ['warned-tokens', 'high', 'agent-7']]);
    assert.match(alerts[0]!.message, /^token budget of rule warned-tokens at 80 %: 85 used of 100 tokens \(input \+ output\) per 3600 s for agent-7; resets at (\S+)$/);
    assert.match(alerts[1]!.message, /^token budget of rule warned-tokens at 100 %: 110 used of 100 tokens \(input \+ output\) per 3600 s for agent-7; resets at (\S+)$/);
    const resetAt = Date.parse(alerts[0]!.message.split('resets at ')[1]!);
    assert.ok(resetAt >= before + 3_600_000 && resetAt <= Date.now() + 3_600_000, 'the window (opened by the first request) resets an hour after it opened');

    // The admin event stream (the extension's alert toast and view) carries both.
    await stream.until((c) => c.events.length === 2, 'both alerts on /admin/events');
    assert.deepEqual(stream.events.map((e) => JSON.parse(e.data).id), alerts.map((a) => a.id));
    stream.close();

    // Each posted once to the webhook.
    await waitFor(() => hook.received.length === 2, 'two webhook posts');
    assert.deepEqual(hook.received.map((r) => r.headers['x-gatehouse-alert-id']), alerts.map((a) => a.id));
    assert.deepEqual(hook.received.map((r) => JSON.parse(r.body).message), alerts.map((a) => a.message));

    // And on the record, with the budget's figures.
    const records = await recordsOf([gateway], { kind: 'alert' }, 2);
    assert.deepEqual(records.map((r) => (r.details as { budget?: unknown } | undefined)?.budget), [
      { limit: 'tokens.total', scope: 'principal', holder: 'agent-7', fraction: 0.8, used: 85, allowed: 100, unit: 'tokens', resetAt: new Date(resetAt).toISOString() },
      { limit: 'tokens.total', scope: 'principal', holder: 'agent-7', fraction: 1, used: 110, allowed: 100, unit: 'tokens', resetAt: new Date(resetAt).toISOString() },
    ]);

    // Nothing of any request, nor the caller's token, in what went out.
    for (const text of [...hook.received.map((r) => r.body), ...records.map((r) => JSON.stringify(r))]) {
      assert.ok(!text.includes('zebra') && !text.includes(apiKey), text);
    }
    fired.stop();
  });
});
