import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { policyYaml } from '../../builders/policy';
import { FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startFleet, type TestFleet } from '../../helpers/fleet';
import { startPostgres, type TestPostgres } from '../../helpers/postgres';
import { startRedis, type TestRedis } from '../../helpers/redis';

/**
 * Issue 21: N instances cannot spend N budgets. Three gateways share their token counters
 * (state.counters) behind an alternating load balancer; each request reserves exactly what the
 * upstream then reports (prompt "hello" = 2 + max_tokens 18 = 20 tokens), so a 100-token budget
 * admits exactly 5, however the requests are spread and interleaved.
 */
for (const counters of ['postgres', 'redis'] as const) {
  describe(`token budgets across three instances (counters in ${counters})`, function () {
    this.timeout(60_000);
    let pg: TestPostgres;
    let redis: TestRedis | undefined;
    let dir: string;
    let upstream: FakeUpstream;
    let fleet: TestFleet;

    before(async () => {
      pg = await startPostgres();
      if (counters === 'redis') redis = await startRedis();
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-budgets-'));
      writeFileSync(join(dir, 'budgets.policy.yaml'), policyYaml({ rules: [{ id: 'hundred-tokens', action: 'allow', limits: { tokens: { total: 100, per: '1h' } } }] }));
      upstream = await new FakeUpstream().start();
      upstream.handler = (_req, res) => sendJson(res, 200, {
        id: 'c', object: 'chat.completion', created: 0, model: 'llama3',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 2, completion_tokens: 18, total_tokens: 20 },
      });
      fleet = await startFleet(pg, { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: ['budgets.policy.yaml'], watch: false } },
        { instances: 3, configDir: dir, state: { counters }, redisUrl: redis?.url });
    });
    after(async () => {
      await fleet?.close();
      await upstream?.stop();
      await redis?.stop();
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
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
  });
}
