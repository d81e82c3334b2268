import assert from 'node:assert/strict';
import OpenAI from 'openai';
import type { GatehouseConfig } from '../../../gateway/generated/gatehouse.config';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { apiError } from '../../builders/api-error';
import { auditRecordOf } from '../../builders/audit-record-of';
import type { FakeUpstream } from '../../helpers/fake-upstream';
import { startFleet, untilReady, type TestFleet } from '../../helpers/fleet';
import { startFleetServers, type FleetServers } from '../../helpers/fleet-servers';
import type { TestPostgres } from '../../helpers/postgres';

const spec: Spec = {
  rules: [
    { id: 'three-a-minute', match: { models: ['rated'] }, action: 'allow', limits: { rate: { requests: 3, per: '1m' } } },
    { id: 'one-at-a-time', match: { models: ['slow'] }, action: 'allow', limits: { concurrent: 1 } },
    { id: 'free', match: { models: ['free'] }, action: 'allow' },
  ],
};

const chat = (client: OpenAI, model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });

/** Outcomes of a batch: how many got through and the codes of the others. */
async function outcomes(requests: Promise<unknown>[]): Promise<{ ok: number; codes: string[] }> {
  const settled = await Promise.allSettled(requests);
  const codes = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason?.code ?? (s as PromiseRejectedResult).reason));
  return { ok: settled.filter((s) => s.status === 'fulfilled').length, codes };
}

for (const counters of ['postgres', 'redis'] as const) {
  describe(`fleet counters in ${counters}: three instances behind an alternating load balancer`, function () {
    this.timeout(60_000);
    let servers: FleetServers;
    let pg: TestPostgres;
    let upstream: FakeUpstream;
    let fleet: TestFleet;

    before(async () => {
      servers = await startFleetServers({ spec, counters });
      ({ pg, upstream } = servers);
    });
    after(async () => servers?.stop());
    beforeEach(async () => {
      upstream.reset();
      const config: GatehouseConfig = { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: [servers.policyPath], watch: false } };
      fleet = await startFleet(pg, config, { instances: 3, configDir: servers.dir, state: { counters }, redisUrl: servers.redis?.url });
    });
    afterEach(async () => fleet?.close());

    const client = (sub = 'ci-bot') => new OpenAI({ baseURL: `${fleet.lb.url}/v1`, apiKey: fleet.token(sub), maxRetries: 0 });

    it('a 3/min limit lets exactly 3 through across the instances, one after another', async () => {
      const c = client();
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await chat(c, 'rated').then(() => 'ok', (e) => e.code));
      assert.deepEqual(results, ['ok', 'ok', 'ok', 'ERR_POLICY_RATE_LIMITED', 'ERR_POLICY_RATE_LIMITED', 'ERR_POLICY_RATE_LIMITED']);
      assert.deepEqual(new Set(fleet.lb.routed.slice(0, 3)), new Set([0, 1, 2]), 'each instance admitted one');
      assert.equal(upstream.requests.length, 3);
    });

    it('a 3/min limit lets exactly 3 through under concurrent load', async () => {
      const c = client('burst');
      const { ok, codes } = await outcomes(Array.from({ length: 24 }, () => chat(c, 'rated')));
      assert.equal(ok, 3);
      assert.deepEqual(new Set(codes), new Set(['ERR_POLICY_RATE_LIMITED']));
      assert.equal((await chat(client('someone-else'), 'rated')).object, 'chat.completion', 'per caller');
    });

    it('one request at a time per caller across the fleet, the slot freed when it ends', async () => {
      let finish: () => void = () => {};
      upstream.handler = (_req, res) => {
        finish = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'slow', choices: [] }));
      };
      const c = client('slow-caller');
      const arrived = new Promise((r) => upstream.once('request', r));
      const first = chat(c, 'slow');
      await arrived;
      const { ok, codes } = await outcomes([chat(c, 'slow'), chat(c, 'slow')]); // the other two instances
      assert.equal(ok, 0);
      assert.deepEqual(codes, ['ERR_POLICY_CONCURRENCY', 'ERR_POLICY_CONCURRENCY']);
      finish();
      await first;
      upstream.reset();
      // The slot is given back when the response closes, one round trip later.
      const deadline = Date.now() + 5000;
      for (;;) {
        const r = await chat(c, 'slow').then(() => 'ok', (e) => e.code);
        if (r === 'ok') break;
        assert.equal(r, 'ERR_POLICY_CONCURRENCY');
        assert.ok(Date.now() < deadline, 'the slot was never freed');
      }
    });

    if (counters === 'postgres') {
      it('PostgreSQL down: limited requests fail closed with 503 ERR_STATE_UNAVAILABLE and an audit record, others flow, /readyz says so, and it recovers by itself', async () => {
        const c = client('outage');
        assert.equal((await chat(c, 'rated')).object, 'chat.completion');
        pg.pause();
        try {
          const [a, b] = fleet.gateways;
          const direct = new OpenAI({ baseURL: `${a!.dataUrl}/v1`, apiKey: fleet.token('outage'), maxRetries: 0 });
          const err = await apiError(chat(direct, 'rated'));
          assert.deepEqual([err.status, err.code], [503, 'ERR_STATE_UNAVAILABLE']);
          const record = await auditRecordOf(a!, {}, (r) => r.errorCode === 'ERR_STATE_UNAVAILABLE');
          assert.equal(record.status, 503);
          assert.equal(record.decision?.rule, 'three-a-minute');
          assert.match(JSON.stringify(record.details), /postgres/);
          // A request that needs no shared state keeps flowing, on every instance.
          for (let i = 0; i < 3; i++) assert.equal((await chat(c, 'free')).object, 'chat.completion');
          const ready = await fetch(`${a!.adminUrl}/readyz`);
          assert.equal(ready.status, 503);
          const body = (await ready.json()) as { reasons: string[] };
          assert.match(body.reasons.join('\n'), /shared state unavailable \(postgres/);
          assert.equal((await apiError(chat(new OpenAI({ baseURL: `${b!.dataUrl}/v1`, apiKey: fleet.token('outage'), maxRetries: 0 }), 'rated'))).code, 'ERR_STATE_UNAVAILABLE');
        } finally {
          await pg.resume();
        }
        // Back by itself: the probe finds PostgreSQL again; the window kept its count (1 used of 3).
        const a = fleet.gateways[0]!;
        await untilReady(a);
        const direct = new OpenAI({ baseURL: `${a.dataUrl}/v1`, apiKey: fleet.token('outage'), maxRetries: 0 });
        assert.equal((await chat(direct, 'rated')).object, 'chat.completion');
        assert.equal((await chat(direct, 'rated')).object, 'chat.completion');
        assert.equal((await apiError(chat(direct, 'rated'))).code, 'ERR_POLICY_RATE_LIMITED');
      });
    }
  });
}
