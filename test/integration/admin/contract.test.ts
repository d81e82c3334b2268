import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminRouter } from '../../../gateway/admin/routes';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { SseClient } from '../../builders/sse-client';
import { nextEvent } from '../../builders/wait-for';
import { AdminContract, routesOf } from '../../helpers/admin-contract';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { HttpReceiver } from '../../helpers/http-receiver';
import { startGateway, type TestGateway } from '../../helpers/gateway';

const approvers = { groups: ['ml-leads'] };
const spec: Spec = {
  rules: [
    { id: 'frontier-needs-approval', match: { models: ['gpt-4o'] }, action: 'require_approval', approval: { approvers, grantTtl: '1h', timeout: '30s' } },
    { id: 'forbidden', match: { models: ['forbidden'] }, action: 'deny' },
    { id: 'allow-rest', action: 'allow', limits: { maxTokens: 500 } },
  ],
  masking: [{ name: 'pii', detectors: ['email'], where: ['upstream'] }],
  alerts: [{ id: 'denial-burst', kind: 'denial_burst', threshold: 2, windowSeconds: 60, severity: 'high' }],
};

/**
 * The admin API contract (schemas/admin-api.openapi.yaml) against a running gateway: every
 * answer of every route, errors included, and every event of the stream must match the schema
 * the contract documents for it, with no field it does not name; every route the contract lists
 * must have been answered, and every route the gateway serves must be in the contract.
 */
describe('admin API contract (a running gateway against schemas/admin-api.openapi.yaml)', function () {
  this.timeout(30_000);
  const contract = new AdminContract();
  let dir: string;
  let upstream: FakeUpstream;
  let siem: HttpReceiver;
  let gateway: TestGateway;
  let stream: SseClient;
  const tokens: Record<string, string> = {};

  /** Calls the admin listener and checks the answer against the contract. */
  async function call(method: string, path: string, opts: { as?: string; body?: unknown; status?: number } = {}): Promise<any> {
    const token = opts.as === 'nobody' ? undefined : opts.as ? tokens[opts.as] : tokens.admin;
    const res = await fetch(gateway.adminUrl + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    const type = res.headers.get('content-type');
    const body = type?.startsWith('application/json') ? JSON.parse(text) : text;
    contract.check(method, path, res.status, type, body);
    assert.equal(res.status, opts.status ?? 200, `${method} ${path}: ${text.slice(0, 300)}`);
    return body;
  }

  /** A data-path request; resolves with the response once the gateway answered. */
  async function chat(model: string, content = 'hello'): Promise<Response> {
    return fetch(`${gateway.dataUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.caller}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
  }

  async function holdOne(): Promise<{ id: string; answer: Promise<Response> }> {
    const requested = nextEvent(gateway.runtime.events, 'approval.requested');
    const answer = chat('gpt-4o');
    answer.catch(() => {});
    return { id: (await requested).id, answer };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-contract-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    upstream = await new FakeUpstream().start();
    siem = await new HttpReceiver().start();
    gateway = await startGateway(
      {
        upstreams: [{ name: 'fake', url: upstream.url }],
        audit: { sinks: [{ type: 'http', name: 'siem', url: `${siem.url}/ingest`, backoffMinMs: 10, backoffMaxMs: 50 }] },
        policy: { paths: ['team.policy.yaml'], watch: false },
        approvals: {
          keepAliveSeconds: 0.1,
          approverIdentity: {
            devIssuer: { enabled: true, audience: 'gatehouse-admin' },
            // Advertised by /.well-known/gatehouse-sign-in; never contacted by this test.
            issuers: [{ issuer: 'https://idp.example.com/realms/team', audience: 'gatehouse-admin', maxTokenLifetimeSeconds: 900 }],
            client: { clientId: 'gatehouse-vscode', resource: 'urn:gatehouse:admin' },
          },
        },
      },
      { configDir: dir },
    );
    tokens.admin = readFileSync(join(gateway.dataDir, 'admin.token'), 'utf8').trim();
    tokens.caller = await gateway.token({ sub: 'ci-deployer', groups: ['ci'] });
    tokens.lead = await gateway.token({ sub: 'ml-lead', groups: ['ml-leads'], aud: 'gatehouse-admin' });
    tokens.intern = await gateway.token({ sub: 'intern', groups: ['interns'], aud: 'gatehouse-admin' });
    tokens.self = await gateway.token({ sub: 'ci-deployer', groups: ['ml-leads'], aud: 'gatehouse-admin' });
    stream = await SseClient.open(`${gateway.adminUrl}/admin/events`, { authorization: `Bearer ${tokens.admin}` });
  });
  after(async () => {
    stream?.close();
    await gateway?.close();
    await upstream?.stop();
    await siem?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('health, readiness, metrics and the sign-in document', async () => {
    const signIn = await call('GET', '/.well-known/gatehouse-sign-in', { as: 'nobody' });
    assert.deepEqual(signIn, {
      issuer: 'https://idp.example.com/realms/team', clientId: 'gatehouse-vscode', scopes: ['openid', 'offline_access'],
      grants: ['authorization_code', 'device_code'], resource: 'urn:gatehouse:admin',
    });
    await call('GET', '/healthz');
    await call('GET', '/readyz');
    await call('GET', '/metrics');
    await call('GET', '/metrics', { as: 'lead', status: 403 });
    await call('GET', '/metrics', { as: 'nobody', status: 401 });
  });

  it('approvals, decisions and grants', async () => {
    const denied = await holdOne();
    await call('GET', '/admin/approvals', { as: 'lead' });
    await call('GET', '/admin/approvals?state=maybe', { status: 400 });
    await call('GET', `/admin/approvals/${denied.id}`, { as: 'lead' });
    await call('GET', '/admin/approvals/apr_missing', { status: 404 });
    await call('POST', `/admin/approvals/${denied.id}/decision`, { as: 'lead', body: { decision: 'maybe' }, status: 400 });
    await call('POST', `/admin/approvals/${denied.id}/decision`, { as: 'self', body: { decision: 'approve' }, status: 403 });
    await call('POST', `/admin/approvals/${denied.id}/decision`, { as: 'lead', body: { decision: 'deny', reason: 'use gpt-4o-mini' } });
    await call('POST', `/admin/approvals/${denied.id}/decision`, { as: 'lead', body: { decision: 'approve' }, status: 409 });
    await call('POST', '/admin/approvals/apr_missing/decision', { as: 'lead', body: { decision: 'approve' }, status: 404 });
    assert.equal((await denied.answer).status, 403);

    const approved = await holdOne();
    const view = await call('POST', `/admin/approvals/${approved.id}/decision`, { as: 'lead', body: { decision: 'approve', reason: 'ticket ML-7' } });
    assert.equal((await approved.answer).status, 200);
    await call('GET', '/admin/approvals?state=all', { as: 'lead' });
    await call('GET', '/admin/approvals', { as: 'nobody', status: 401 });
    const refused = await call('GET', '/admin/approvals', { as: 'intern', status: 403 });
    assert.equal(refused.error.code, 'ERR_ADMIN_NOT_APPROVER');
    await call('GET', `/admin/approvals/${approved.id}`, { as: 'intern', status: 403 });
    await call('GET', '/admin/grants', { as: 'intern', status: 403 });
    await call('DELETE', `/admin/grants/${view.grantId}`, { as: 'intern', status: 403 });
    await call('GET', '/admin/grants', { as: 'lead' });
    await call('DELETE', `/admin/grants/${view.grantId}`, { as: 'lead' });
    await call('DELETE', `/admin/grants/${view.grantId}`, { as: 'lead', status: 404 });
  });

  it('audit records and the chain check', async () => {
    assert.equal((await chat('gpt-4o-mini', 'mail ada@example.com')).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await chat('forbidden')).status, 403);
    const page = await call('GET', '/admin/audit?limit=1000');
    assert.ok(page.data.length > 5, 'the log has records of every kind written so far');
    await call('GET', `/admin/audit?after=${page.data[0].id}&limit=2`);
    await call('GET', '/admin/audit?limit=0', { status: 400 });
    await call('GET', '/admin/audit', { as: 'lead', status: 403 });
    await call('GET', `/admin/audit/${page.data.at(-1).id}`);
    await call('GET', '/admin/audit/rec_missing', { status: 404 });
    const report = await call('GET', '/admin/audit/verify');
    assert.deepEqual(report.findings, []);
  });

  it('sink cursor resets', async () => {
    await call('POST', '/admin/sinks/siem/reset');
    await call('POST', '/admin/sinks/nope/reset', { status: 404 });
    await call('POST', '/admin/sinks/siem/reset', { as: 'lead', status: 403 });
  });

  it('policy and reloads', async () => {
    await call('GET', '/admin/policy');
    // Embedded: the one instance, this one, running the policy /admin/policy reports.
    const instances = await call('GET', '/admin/instances');
    assert.equal(instances.data.length, 1);
    assert.deepEqual([instances.data[0].self, instances.data[0].state, instances.data[0].ready, instances.data[0].policyDiffers, instances.policyVersionsDiffer], [true, 'running', true, false, false]);
    assert.equal(instances.data[0].policyVersion, (await call('GET', '/admin/policy')).version);
    await call('GET', '/admin/instances', { as: 'lead', status: 403 });
    await call('POST', '/admin/policy/reload');
    const good = readFileSync(join(dir, 'team.policy.yaml'), 'utf8');
    writeFileSync(join(dir, 'team.policy.yaml'), good.replace('action: deny', 'action: refuse'));
    await call('POST', '/admin/policy/reload', { status: 422 });
    writeFileSync(join(dir, 'team.policy.yaml'), good);
    await call('POST', '/admin/policy/reload', { as: 'lead', status: 403 });
  });

  it('previews', async () => {
    const sample = { messages: [{ role: 'user', content: 'mail ada@example.com' }] };
    await call('POST', '/admin/preview/mask', { body: { spec: [{ name: 'pii', detectors: ['email'] }], sample, where: 'upstream' } });
    await call('POST', '/admin/preview/mask', { body: { spec: [{ name: 'pii', detectors: ['bogus'] }], sample }, status: 422 });
    await call('POST', '/admin/preview/mask', { body: { spec: [] }, status: 400 });
    await call('POST', '/admin/preview/decision', { body: { principal: { subject: 'ci-deployer', groups: ['ci'] }, request: { path: '/v1/chat/completions', body: { model: 'gpt-4o', max_tokens: 9 } } } });
    await call('POST', '/admin/preview/decision', { body: { principal: {}, request: { path: '/v1/chat/completions' } }, status: 400 });
  });

  it('the event stream, and a resume that finds a gap', async () => {
    await call('GET', '/admin/events?types=nope', { status: 400 });
    await call('GET', '/admin/events?types=audit.appended', { as: 'lead', status: 403 });
    await stream.until((c) => ['audit.appended', 'approval.requested', 'approval.resolved', 'alert.fired', 'policy.reloaded', 'policy.reload_failed'].every((n) => c.named(n).length > 0), 'one event of each kind the tests caused');
    const resumed = await SseClient.open(`${gateway.adminUrl}/admin/events?lastEventId=00000000-1`, { authorization: `Bearer ${tokens.admin}` });
    try {
      await resumed.until((c) => c.named('gap').length === 1, 'the gap event');
      contract.check('GET', '/admin/events', resumed.status, 'text/event-stream', undefined);
      for (const e of [...stream.events, ...resumed.events]) contract.checkEvent(e.event ?? 'message', JSON.parse(e.data));
    } finally {
      resumed.close();
    }
  });

  it('answered every route of the contract, and the gateway serves no route the contract lacks', () => {
    const unanswered = contract.operations().filter((op) => ![...(contract.answered.get(op) ?? [])].some((s) => s >= 200 && s < 300));
    assert.deepEqual(unanswered, [], 'routes of the contract this test never saw answer 2xx');
    const served = routesOf(adminRouter(gateway.runtime));
    const documented = new Set(contract.operations());
    assert.deepEqual(served.filter((r) => !documented.has(r)), [], 'admin routes missing from the contract');
  });
});
