import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { counterKeyDigest } from '../../../gateway/state/counter-store';
import { sendJson } from '../../helpers/fake-upstream';
import { startFleet, type TestFleet } from '../../helpers/fleet';
import { startFleetServers, type FleetServers } from '../../helpers/fleet-servers';

/**
 * Issue 20, under load: a request's settlements (its budget lines corrected to the real usage
 * once it ends) ride with the admissions and releases of the statement its instance sends next
 * (migration 012), rather than one statement per budget line. Thirty concurrent requests on one
 * instance, each with three budget lines that settle (tokens per caller, spend per group, the
 * caller in two groups), reach PostgreSQL as admit_batch statements only, at most one per
 * admission, release or settlement of a request (≤ 3 per request: each carries at least one);
 * before, each request also sent three settlements of its own (≥ 3 per request). Every
 * settlement is applied exactly once: the windows end at what the requests really used.
 * Counted with pg_stat_statements (top-level statements) on the fleet's PostgreSQL.
 */
const issuer = 'https://idp.fleet.test';
const rule = 'metered';
const requests = 30;

describe('settlements ride with the admissions (counters in PostgreSQL)', function () {
  this.timeout(90_000);
  let servers: FleetServers;
  let fleet: TestFleet;

  before(async () => {
    servers = await startFleetServers({
      pgSettings: { shared_preload_libraries: 'pg_stat_statements' },
      spec: {
        rules: [{
          id: rule, action: 'allow',
          limits: { rate: { requests: 1000, per: '1m' }, concurrent: 50, tokens: { total: 1_000_000, per: '1h' }, spend: { amount: 10, currency: 'USD', per: '1d', scope: 'group' } },
        }],
      },
    });
    // Reserved: prompt 2 + max_tokens 18; used: 2 + 5. Every budget line settles.
    servers.upstream.handler = (_req, res) => sendJson(res, 200, {
      id: 'c', object: 'chat.completion', created: 0, model: 'llama3',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 },
    });
    fleet = await startFleet(servers.pg, { upstreams: [{ name: 'fake', url: servers.upstream.url }], policy: { paths: [servers.policyPath], watch: false }, pricing: [{ model: 'llama3', input: 1, output: 2 }] },
      { instances: 1, configDir: servers.dir, state: { counters: 'postgres' } });
    await servers.pg.sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  });
  after(async () => {
    await fleet?.close();
    await servers?.stop();
  });

  it(`${requests} concurrent requests with three settling budget lines each: admit_batch statements only, ≤ 3 per request, every settlement applied once`, async () => {
    const client = new OpenAI({ baseURL: `${fleet.gateways[0]!.dataUrl}/v1`, apiKey: fleet.token('busy', ['ml', 'ops']), maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'llama3', max_tokens: 18, messages: [{ role: 'user', content: 'hello' }] });
    await ask(); // the statements are prepared and the windows exist before counting
    await servers.pg.sql('SELECT pg_stat_statements_reset()');
    const answers = await Promise.all(Array.from({ length: requests }, ask));
    assert.equal(answers.filter((a) => a.usage?.total_tokens === 7).length, requests);

    const counted = await servers.pg.sql<{ query: string; calls: string }>(
      "SELECT query, calls::text FROM pg_stat_statements WHERE query ~* 'rate_windows|admit_batch' AND query !~* 'pg_stat_statements'");
    const calls = (re: RegExp) => counted.filter((s) => re.test(s.query)).reduce((n, s) => n + Number(s.calls), 0);
    const seen = counted.map((s) => `${s.calls}× ${s.query.slice(0, 70)}`).join('\n');
    assert.equal(calls(/^\s*UPDATE rate_windows/i), 0, `no settlement statement of its own:\n${seen}`);
    assert.ok(calls(/admit_batch/) <= 3 * requests, `${calls(/admit_batch/)} admit_batch statements for ${requests} requests:\n${seen}`);

    const used = async (key: string) => Number((await servers.pg.sql<{ used: string }>(`SELECT used FROM ${fleet.schema}.rate_windows WHERE key = $1`, [counterKeyDigest(key)]))[0]!.used);
    const all = requests + 1;
    assert.equal(await used(`${rule}\u0000${issuer}\u0000busy`), all, 'the rate window: one per request');
    assert.equal(await used(`${rule}\u0000tokens.total\u0000principal\u0000${issuer}\u0000busy`), 7 * all, 'tokens: what each request used, settled once');
    for (const group of ['ml', 'ops']) assert.equal(await used(`${rule}\u0000spend\u0000group\u0000${group}`), 12_000 * all, `spend of ${group}: 2 × 1 + 5 × 2 µUSD per request`);
  });
});
