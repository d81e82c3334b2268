import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { auditRecordOf } from '../../builders/audit-record-of';
import { startServe, type ServeProcess } from '../../helpers/cli';
import type { FakeUpstream } from '../../helpers/fake-upstream';
import { fleetEnv, startFleet, type TestFleet } from '../../helpers/fleet';
import { startFleetServers, type FleetServers } from '../../helpers/fleet-servers';

const spec: Spec = { rules: [{ id: 'one-at-a-time', match: { models: ['slow'] }, action: 'allow', limits: { concurrent: 1 } }] };
const leaseSeconds = 6;

/**
 * A concurrency slot outlives a holder killed with -9 by at most its lease: instance A (a real
 * `gatehouse serve`) holds the only slot with a request its upstream never answers; A is killed
 * (it cannot release, nor renew); the caller's next request, on B, is refused while the lease
 * lives, and admitted once it has expired — not before a third of the lease has passed (the
 * holder renews every third), and without anyone releasing it.
 */
for (const counters of ['postgres', 'redis'] as const) {
  describe(`fleet concurrency lease in ${counters}: kill -9 the holder of the slot`, function () {
    this.timeout(90_000);
    let servers: FleetServers;
    let upstream: FakeUpstream;
    let fleet: TestFleet;
    let a: ServeProcess | undefined;

    before(async () => {
      servers = await startFleetServers({ spec, counters });
      const { pg, redis, dir } = servers;
      upstream = servers.upstream;
      const state = { counters, leaseSeconds };
      fleet = await startFleet(pg, { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: [servers.policyPath], watch: false } }, { instances: 1, configDir: dir, state, redisUrl: redis?.url });
      const c = fleet.instanceConfig('gw-a');
      writeFileSync(join(dir, 'gw-a.yaml'), stringify({ ...c, server: { ...c.server, dataDir: join(dir, 'gw-a'), listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } } }));
      a = await startServe(['-c', join(dir, 'gw-a.yaml')], { env: { [fleetEnv.pgUrl]: pg.url, [fleetEnv.hashKey]: process.env[fleetEnv.hashKey], ...(redis ? { [fleetEnv.redisUrl]: redis.url } : {}) } });
    });
    after(async () => {
      await a?.stop('SIGKILL');
      await fleet?.close();
      await servers?.stop();
    });

    it('B refuses the caller while the dead holder\'s lease lives, and admits it once the lease has expired', async () => {
      const b = fleet.gateways[0]!;
      const chatOn = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: fleet.token('slow-caller'), maxRetries: 0 }).chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hello' }] });
      // A's request reaches the upstream, which holds it: A holds the slot.
      upstream.handler = () => {};
      const arrived = new Promise((r) => upstream.once('request', r));
      const held = chatOn(a!.dataUrl);
      held.catch(() => {});
      await arrived;
      const onB = await chatOn(b.dataUrl).then(() => 'ok', (e: { code?: string }) => e.code);
      assert.equal(onB, 'ERR_POLICY_CONCURRENCY', 'the slot is held by A');

      assert.equal(await a!.stop('SIGKILL'), null);
      const killedAt = Date.now();
      await assert.rejects(held, 'A\'s caller lost its connection');
      upstream.handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'slow', choices: [] }));

      // Right after the kill the lease lives on: B refuses, on the record.
      const refused = await chatOn(b.dataUrl).then(() => 'ok', (e: { code?: string }) => e.code);
      assert.equal(refused, 'ERR_POLICY_CONCURRENCY', 'refused while the dead holder\'s lease lives');
      const record = await auditRecordOf(b, {}, (r) => r.errorCode === 'ERR_POLICY_CONCURRENCY');
      assert.equal(record.status, 429);
      // Then, asking again (bounded), B admits the caller once the lease has expired.
      let admittedAt = 0;
      while (!admittedAt) {
        assert.ok(Date.now() - killedAt < leaseSeconds * 1000 + 20_000, `still refused ${Date.now() - killedAt} ms after the kill (lease ${leaseSeconds} s)`);
        const r = await chatOn(b.dataUrl).then(() => 'ok', (e: { code?: string }) => e.code);
        if (r === 'ok') admittedAt = Date.now();
        else assert.equal(r, 'ERR_POLICY_CONCURRENCY');
        if (!admittedAt) await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(admittedAt - killedAt >= (leaseSeconds * 1000) / 3, `admitted ${admittedAt - killedAt} ms after the kill: the lease, not a release, freed the slot`);
    });
  });
}
