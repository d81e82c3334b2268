import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { recordsOf } from '../../builders/audit-record-of';
import { collectEvents, waitFor } from '../../builders/wait-for';
import { sendJson, type FakeUpstream } from '../../helpers/fake-upstream';
import { startFleet, type TestFleet } from '../../helpers/fleet';
import { startFleetServers, type FleetServers } from '../../helpers/fleet-servers';
import { HttpReceiver } from '../../helpers/http-receiver';

/**
 * Issue 21: N instances cannot spend N budgets. Three gateways share their token counters
 * (state.counters) behind an alternating load balancer; each request reserves exactly what the
 * upstream then reports (prompt "hello" = 2 + max_tokens 18 = 20 tokens), so a 100-token budget
 * admits exactly 5, however the requests are spread and interleaved. A budget's alert fires once
 * in the fleet however many instances see its window cross the fraction.
 */
for (const counters of ['postgres', 'redis'] as const) {
  describe(`token budgets across three instances (counters in ${counters})`, function () {
    this.timeout(60_000);
    let servers: FleetServers;
    let upstream: FakeUpstream;
    let fleet: TestFleet;
    let hook: HttpReceiver;

    before(async () => {
      servers = await startFleetServers({
        counters,
        spec: {
          rules: [
            { id: 'warned-tokens', match: { models: ['warned'] }, action: 'allow', limits: { tokens: { total: 100, per: '1h', alertAt: [0.8] } } },
            { id: 'hundred-tokens', action: 'allow', limits: { tokens: { total: 100, per: '1h' } } },
          ],
        },
      });
      upstream = servers.upstream;
      upstream.handler = (_req, res, body) => sendJson(res, 200, {
        id: 'c', object: 'chat.completion', created: 0, model: 'llama3',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        // 'warned' answers short: its reservations settle far below what they held.
        usage: JSON.parse(body.toString()).model === 'warned' ? { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } : { prompt_tokens: 2, completion_tokens: 18, total_tokens: 20 },
      });
      hook = await new HttpReceiver().start();
      fleet = await startFleet(servers.pg, { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: [servers.policyPath], watch: false }, alerts: { webhooks: [{ name: 'ops', url: hook.url }] } },
        { instances: 3, configDir: servers.dir, state: { counters }, redisUrl: servers.redis?.url });
    });
    after(async () => {
      await fleet?.close();
      await hook?.stop();
      await servers?.stop();
    });

    it('24 concurrent requests through the three: exactly 5 admitted, the rest refused ERR_LIMIT_TOKENS', async () => {
      const client = new OpenAI({ baseURL: `${fleet.lb.url}/v1`, apiKey: fleet.token('burst'), maxRetries: 0 });
      const settled = await Promise.allSettled(Array.from({ length: 24 }, () => client.chat.completions.create({ model: 'llama3', max_tokens: 18, messages: [{ role: 'user', content: 'hello' }] })));
      const ok = settled.filter((s) => s.status === 'fulfilled').length;
      const codes = new Set(settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason?.code));
      assert.equal(ok, 5);
      assert.deepEqual(codes, new Set(['ERR_LIMIT_TOKENS']));
      assert.equal(upstream.requests.length, 5);
    });

    it('a budget\'s 80 % crossed on two instances in one window (a reservation that settled low, then another): one alert in the fleet', async () => {
      const client = new OpenAI({ baseURL: `${fleet.lb.url}/v1`, apiKey: fleet.token('spiky'), maxRetries: 0 });
      const seen = fleet.gateways.map((g) => collectEvents(g.runtime.events, ['alert.fired']));
      const ask = () => client.chat.completions.create({ model: 'warned', max_tokens: 90, messages: [{ role: 'user', content: 'hello' }] });
      await ask(); // reserves 2 + 90 = 92 of 100 (past 80 %) on one instance, settles at 5
      await ask(); // 5 + 92 = 97 (past 80 % again) on the next instance
      const [first, second] = fleet.lb.routed.slice(-2);
      assert.notEqual(first, second, 'the two crossings were on two instances');
      // One of the two found the other's claim and stood down (whose claim query reaches PostgreSQL first wins: under load, not always the first crossing's).
      await waitFor(() => [first!, second!].some((i) => fleet.gateways[i]!.logLines.some((l) => l.includes('alert fired by another instance'))), 'one of the two instances to stand down', 10_000);
      await waitFor(() => seen.every((s) => s.list.length >= 1), 'the alert on every instance\'s event stream', 10_000);
      await waitFor(() => hook.received.length >= 1, 'the webhook post', 10_000);
      for (const s of seen) assert.deepEqual(s.list.map((e) => e.payload.id), [seen[0]!.list[0]!.payload.id], 'one alert on each instance\'s stream');
      assert.match(seen[0]!.list[0]!.payload.message, /^token budget of rule warned-tokens at 80 %: 92 used of 100 tokens \(input \+ output\) per 3600 s for spiky; resets at /);
      assert.equal((await recordsOf(fleet.gateways, { kind: 'alert' })).length, 1, 'one alert record in the fleet');
      assert.equal(hook.received.length, 1, 'one webhook post');
      for (const s of seen) s.stop();
    });
  });
}
