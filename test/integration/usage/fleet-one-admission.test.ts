import assert from 'node:assert/strict';
import Redis from 'ioredis';
import OpenAI from 'openai';
import { counterKeyDigest } from '../../../gateway/state/counter-store';
import { sendJson, type FakeUpstream } from '../../helpers/fake-upstream';
import { startFleet, type TestFleet } from '../../helpers/fleet';
import { startFleetServers, type FleetServers } from '../../helpers/fleet-servers';

/**
 * Issue 20's target for a request that uses shared state: one round trip. A rule with a rate
 * limit, a concurrency limit, a token budget per caller and a spend budget per group (a caller in
 * two groups: two lines) is admitted in one step: one `admit_batch` statement (one transaction:
 * every window it charged carries its id) with PostgreSQL, one script (EVALSHA) with Redis. Before,
 * the rate limit and each of the three budget lines was a round trip of its own (4).
 * The upstream reports exactly what was reserved (prompt 2 + max_tokens 18), so nothing settles.
 */
const issuer = 'https://idp.fleet.test';
const rule = 'metered';

for (const counters of ['postgres', 'redis'] as const) {
  describe(`one admission for all of a request's limits (counters in ${counters})`, function () {
    this.timeout(60_000);
    let servers: FleetServers;
    let upstream: FakeUpstream;
    let fleet: TestFleet;

    before(async () => {
      servers = await startFleetServers({
        counters,
        spec: {
          rules: [{
            id: rule, action: 'allow',
            limits: { rate: { requests: 100, per: '1m' }, concurrent: 4, tokens: { total: 10_000, per: '1h' }, spend: { amount: 1, currency: 'USD', per: '1d', scope: 'group' } },
          }],
        },
      });
      upstream = servers.upstream;
      upstream.handler = (_req, res) => sendJson(res, 200, {
        id: 'c', object: 'chat.completion', created: 0, model: 'llama3',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 2, completion_tokens: 18, total_tokens: 20 },
      });
      fleet = await startFleet(servers.pg, { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: [servers.policyPath], watch: false }, pricing: [{ model: 'llama3', input: 1, output: 2 }] },
        { instances: 2, configDir: servers.dir, state: { counters }, redisUrl: servers.redis?.url });
    });
    after(async () => {
      await fleet?.close();
      await servers?.stop();
    });

    const ask = (sub: string) => new OpenAI({ baseURL: `${fleet.gateways[0]!.dataUrl}/v1`, apiKey: fleet.token(sub, ['ml', 'ops']), maxRetries: 0 })
      .chat.completions.create({ model: 'llama3', max_tokens: 18, messages: [{ role: 'user', content: 'hello' }] });
    /** The counters one request of `sub` charges: its rate window, its token budget, its two groups' spend. */
    const windowKeys = (sub: string) => [
      `${rule}\u0000${issuer}\u0000${sub}`,
      `${rule}\u0000tokens.total\u0000principal\u0000${issuer}\u0000${sub}`,
      `${rule}\u0000spend\u0000group\u0000ml`,
      `${rule}\u0000spend\u0000group\u0000ops`,
    ];

    if (counters === 'postgres') {
      it('PostgreSQL: the rate window and the three budget lines are charged by one statement', async () => {
        await ask('first-caller'); // the groups' spend windows exist already: the next request updates them
        await ask('counted');
        const rows = await servers.pg.sql<{ key: string; used: string; xmin: string }>(
          `SELECT key, used, xmin::text AS xmin FROM ${fleet.schema}.rate_windows WHERE key = ANY($1)`, [windowKeys('counted').map(counterKeyDigest)]);
        assert.equal(rows.length, 4, 'four windows');
        assert.deepEqual(windowKeys('counted').map((k) => Number(rows.find((r) => r.key === counterKeyDigest(k))!.used)), [1, 20, 2 * 38_000, 2 * 38_000],
          'one request, 20 tokens, and two requests at 38 µUSD in each group (nothing settled: usage = reservation)');
        assert.equal(new Set(rows.map((r) => r.xmin)).size, 1, `written by ${new Set(rows.map((r) => r.xmin)).size} transactions`);
      });
    } else {
      it('Redis: one script for the rate window and the three budget lines', async () => {
        const redis = new Redis(servers.redis!.url);
        try {
          await ask('first-caller'); // loads the script (EVALSHA, NOSCRIPT, EVAL) before counting
          await redis.config('RESETSTAT');
          await ask('counted');
          const stats = await redis.info('commandstats');
          const calls = (cmd: string) => Number(new RegExp(`^cmdstat_${cmd}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
          // (The commands the script runs are counted too: 4 windows and the slot written, 5 HSET.)
          assert.equal(calls('evalsha') + calls('eval'), 1, stats);
          assert.equal(calls('hset'), 5, stats);
        } finally {
          redis.disconnect();
        }
      });
    }
  });
}
