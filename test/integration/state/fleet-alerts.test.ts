import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { recordsOf } from '../../builders/audit-record-of';
import { policyYaml } from '../../builders/policy';
import { collectEvents, waitFor } from '../../builders/wait-for';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startFleet, type TestFleet } from '../../helpers/fleet';
import { usePostgres } from '../../helpers/postgres';

const spec: Spec = {
  rules: [{ id: 'no-forbidden', match: { models: ['forbidden'] }, action: 'deny' }, { id: 'allow-rest', action: 'allow' }],
  alerts: [{ id: 'denial-burst', kind: 'denial_burst', threshold: 4, windowSeconds: 60, severity: 'high' }],
};

/**
 * Alerts in a fleet: every instance evaluates the whole fleet's records (the event fan-out), so a
 * burst spread over instances reaches the threshold, and the firing is claimed in PostgreSQL, so
 * one incident is one alert: one event, one audit record, one webhook post.
 */
describe('fleet alerts: a burst spread over instances fires once', function () {
  this.timeout(60_000);
  const pg = usePostgres();
  let dir: string;
  let upstream: FakeUpstream;
  let hook: Server;
  const posted: string[] = [];
  let fleet: TestFleet;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-alerts-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    upstream = await new FakeUpstream().start();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => (posted.push(body), res.end()));
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
    fleet = await startFleet(pg(), { upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: ['team.policy.yaml'], watch: false }, alerts: { webhooks: [{ name: 'soc', url }] } }, { instances: 2, configDir: dir });
  });
  after(async () => {
    await fleet?.close();
    await upstream?.stop();
    await new Promise((r) => hook?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('four denials, two on each instance, make one alert', async () => {
    const [a, b] = fleet.gateways;
    const seen = fleet.gateways.map((g) => collectEvents(g.runtime.events, ['alert.fired']));
    const client = new OpenAI({ baseURL: `${fleet.lb.url}/v1`, apiKey: fleet.token('prober'), maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      await assert.rejects(client.chat.completions.create({ model: 'forbidden', messages: [{ role: 'user', content: 'x' }] }), (e: { status?: number }) => e.status === 403);
    }
    assert.deepEqual(fleet.lb.routed.slice(-4).sort(), [0, 0, 1, 1]);
    // Both instances saw the burst; one claimed it, the other says so.
    await waitFor(() => seen.every((s) => s.list.length >= 1), 'the alert on both instances\' event streams', 10_000);
    await waitFor(() => [a!, b!].some((g) => g.logLines.some((l) => l.includes('alert fired by another instance'))), 'the other instance to stand down', 10_000);
    await waitFor(() => posted.length >= 1, 'the webhook post', 10_000);
    for (const s of seen) assert.deepEqual(s.list.map((e) => e.payload.rule), ['denial-burst'], 'one alert on each instance\'s stream');
    assert.equal(seen[0]!.list[0]!.payload.id, seen[1]!.list[0]!.payload.id, 'the same alert');
    assert.equal((await recordsOf(fleet.gateways, { kind: 'alert' })).length, 1, 'one alert record in the fleet');
    assert.equal(posted.length, 1, 'one webhook post');
    assert.equal(JSON.parse(posted[0]!).rule, 'denial-burst');
  });
});
