import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { ensureAdminToken } from '../../../gateway/admin/admin-token';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { collectEvents, nextEvent, waitFor } from '../../builders/wait-for';
import { startServe } from '../../helpers/cli';
import { fleetEnv, startFleet, untilReady, type TestFleet } from '../../helpers/fleet';
import { startFleetServers, type FleetServers } from '../../helpers/fleet-servers';
import type { TestGateway } from '../../helpers/gateway';
import type { AuditServiceImpl } from '../../../gateway/audit/audit-service';
import type { TestPostgres } from '../../helpers/postgres';

const approvers = { groups: ['ml-leads'] };
const spec: Spec = {
  rules: [
    { id: 'needs-approval', match: { models: ['gpt-4o'] }, action: 'require_approval', approval: { approvers, timeout: '30s' } },
    { id: 'granted', match: { models: ['gpt-4o-granted'] }, action: 'require_approval', approval: { approvers, grantTtl: '10m', timeout: '30s' } },
    { id: 'allow-rest', action: 'allow' },
  ],
};

/**
 * Approvals in a fleet: the held request stays on the instance holding the caller's connection,
 * its record lives in PostgreSQL, a decision posted anywhere reaches the holder (LISTEN/NOTIFY);
 * grants and revocations are shared; an instance that dies leaves its approvals abandoned.
 */
describe('fleet approvals: records, decisions and grants in PostgreSQL', function () {
  this.timeout(90_000);
  let servers: FleetServers;
  let pg: TestPostgres;
  let dir: string;
  let fleet: TestFleet;
  let a: TestGateway;
  let b: TestGateway;

  before(async () => {
    servers = await startFleetServers({ spec });
    ({ pg, dir } = servers);
    fleet = await startFleet(pg, { upstreams: [{ name: 'fake', url: servers.upstream.url }], policy: { paths: [servers.policyPath], watch: false } }, { instances: 2, configDir: dir, state: { instanceTimeoutSeconds: 1 } });
    [a, b] = fleet.gateways as [TestGateway, TestGateway];
  });
  after(async () => {
    await fleet?.close();
    await servers?.stop();
  });

  const chatOn = (url: string, model: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: fleet.token('ci-deployer', ['ci']), maxRetries: 0 })
    .chat.completions.create({ model, messages: [{ role: 'user', content: 'ship it' }] });
  async function admin(g: { adminUrl: string; dataDir: string }, method: string, path: string, body?: unknown) {
    const res = await fetch(`${g.adminUrl}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ensureAdminToken(g.dataDir)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as any };
  }

  it('held on A, approved through B: the caller on A gets its answer; a second decision anywhere is 409', async () => {
    // B hears of the request A holds (the fleet's event fan-out) and lists it.
    const requested = nextEvent(b.runtime.events, 'approval.requested', () => true, 10_000);
    const answer = chatOn(a.dataUrl, 'gpt-4o');
    answer.catch(() => {});
    const { id } = await requested;
    const pending = await admin(b, 'GET', '/approvals?state=pending');
    assert.deepEqual(pending.json.data.map((x: { id: string }) => x.id), [id]);
    const decided = await admin(b, 'POST', `/approvals/${id}/decision`, { decision: 'approve', reason: 'go' });
    assert.equal(decided.status, 200, JSON.stringify(decided.json));
    assert.match((await answer).choices[0]!.message.content ?? '', /ship it/);
    for (const g of [a, b]) {
      const again = await admin(g, 'POST', `/approvals/${id}/decision`, { decision: 'deny' });
      assert.equal(again.status, 409);
      assert.equal(again.json.error.code, 'ERR_APPROVAL_ALREADY_DECIDED');
    }
  });

  it('a decision made while the holder\'s LISTEN connection was down still reaches the caller once it listens again', async () => {
    const requested = nextEvent(b.runtime.events, 'approval.requested', () => true, 10_000);
    const answer = chatOn(a.dataUrl, 'gpt-4o');
    answer.catch(() => {});
    const { id } = await requested;
    // Every instance's LISTEN connection is cut; the decision's NOTIFY is sent while none listens
    // (they retry after half a second), so it is lost: the holder must catch up on reconnect.
    await pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gatehouse-listen'");
    for (const until = Date.now() + 5000; (await pg.sql("SELECT 1 FROM pg_stat_activity WHERE application_name = 'gatehouse-listen'")).length > 0; ) {
      assert.ok(Date.now() < until, 'the LISTEN connections are gone');
    }
    const decided = await admin(b, 'POST', `/approvals/${id}/decision`, { decision: 'approve' });
    assert.equal(decided.status, 200, JSON.stringify(decided.json));
    // Without the catch-up the caller waits out the rule's 30 s and is refused (approval_timeout).
    assert.match((await answer).choices[0]!.message.content ?? '', /ship it/);
  });

  it('a grant made through A admits the caller on B; a revocation on B holds it again on A at once', async () => {
    const requested = nextEvent(a.runtime.events, 'approval.requested');
    const first = chatOn(a.dataUrl, 'gpt-4o-granted');
    first.catch(() => {});
    const { id } = await requested;
    assert.equal((await admin(a, 'POST', `/approvals/${id}/decision`, { decision: 'approve' })).status, 200);
    await first;
    const asked = collectEvents(b.runtime.events, ['approval.requested']);
    assert.match((await chatOn(b.dataUrl, 'gpt-4o-granted')).choices[0]!.message.content ?? '', /ship it/);
    asked.stop();
    assert.deepEqual(asked.list, [], 'B asked nobody: the grant made through A covers it');
    const grants = (await admin(b, 'GET', '/grants')).json.data as { id: string; rule: string; uses: number }[];
    assert.deepEqual(grants.map((g) => [g.rule, g.uses]), [['granted', 1]]);
    assert.equal((await admin(b, 'DELETE', `/grants/${grants[0]!.id}`)).status, 200);
    // Held again, not admitted: were the grant still in force, the request would pass without asking
    // and this would time out. No tighter deadline: the look-up, the approval's row and its record
    // (synced) take more than a second on a loaded machine.
    const heldAgain = nextEvent(a.runtime.events, 'approval.requested', () => true, 10_000);
    const refused = chatOn(a.dataUrl, 'gpt-4o-granted');
    refused.catch(() => {});
    const again = await heldAgain;
    assert.equal((await admin(a, 'POST', `/approvals/${again.id}/decision`, { decision: 'deny' })).status, 200);
    await assert.rejects(refused, (err: { status?: number }) => err.status === 403);
  });

  it('kill -9 the instance holding a request: its approval is marked abandoned, a decision gets 410, the retry asks again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-doomed-'));
    const config = join(dir, 'doomed.yaml');
    const instance = fleet.instanceConfig('gw-doomed');
    writeFileSync(config, stringify({ ...instance, server: { ...instance.server, dataDir, listen: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } } }));
    const doomed = await startServe(['-c', config], { env: { [fleetEnv.pgUrl]: pg.url, [fleetEnv.hashKey]: process.env[fleetEnv.hashKey] } });
    try {
      const requested = nextEvent(a.runtime.events, 'approval.requested', () => true, 10_000);
      const answer = chatOn(doomed.dataUrl, 'gpt-4o');
      answer.catch(() => {});
      const { id } = await requested;
      const abandoned = nextEvent(a.runtime.events, 'approval.resolved', (e) => e.id === id, 15_000);
      doomed.child.kill('SIGKILL');
      await assert.rejects(answer, 'the caller lost its connection with the instance');
      assert.equal((await abandoned).state, 'abandoned');
      const late = await admin(b, 'POST', `/approvals/${id}/decision`, { decision: 'approve' });
      assert.equal(late.status, 410);
      assert.equal((await admin(a, 'GET', `/approvals/${id}`)).json.state, 'abandoned');
      // The caller's retry (on a live instance) is a new request, asked again: never silently approved.
      const retried = nextEvent(a.runtime.events, 'approval.requested', (e) => e.id !== id);
      const retry = chatOn(a.dataUrl, 'gpt-4o');
      retry.catch(() => {});
      const next = await retried;
      assert.equal((await admin(a, 'POST', `/approvals/${next.id}/decision`, { decision: 'deny' })).status, 200);
      await assert.rejects(retry, (err: { status?: number }) => err.status === 403);
    } finally {
      await doomed.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL down: a request that needs an approval fails closed (503 ERR_STATE_UNAVAILABLE, audited), one that needs none flows', async () => {
    pg.pause();
    try {
      const err = await chatOn(a.dataUrl, 'gpt-4o').then(() => undefined, (e: { status?: number; code?: string }) => e);
      assert.deepEqual([err?.status, err?.code], [503, 'ERR_STATE_UNAVAILABLE']);
      const records = await (a.runtime.audit as AuditServiceImpl).query({ limit: 1000 });
      assert.ok(records.some((r) => r.errorCode === 'ERR_STATE_UNAVAILABLE' && r.status === 503 && r.decision?.rule === 'needs-approval'), 'the refusal is audited');
      assert.match((await chatOn(a.dataUrl, 'other-model')).choices[0]!.message.content ?? '', /ship it/);
    } finally {
      await pg.resume();
    }
    for (const g of [a, b]) await untilReady(g);
  });

  it('POST /admin/policy/reload {"fleet": true} on A reloads every instance', async () => {
    const before = a.runtime.policy.version;
    assert.equal(b.runtime.policy.version, before);
    assert.equal((await admin(a, 'POST', '/policy/reload', { fleet: 'yes' })).status, 400);
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml({ rules: [{ id: 'new-rule', match: { models: ['new-model'] }, action: 'deny' }, ...spec.rules!] }));
    const reloaded = await admin(a, 'POST', '/policy/reload', { fleet: true });
    assert.equal(reloaded.status, 200);
    assert.notEqual(reloaded.json.version, before);
    // B's own events are not watched here (the fleet's events carry A's too): its running version is.
    await waitFor(() => b.runtime.policy.version === reloaded.json.version, 'B runs the version A does', 10_000);
  });
});
