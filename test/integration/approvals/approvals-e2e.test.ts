import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { apiError } from '../../builders/api-error';
import { auditRecordOf } from '../../builders/audit-record-of';
import { policyYaml } from '../../builders/policy';
import { SseClient } from '../../builders/sse-client';
import { nextEvent, waitFor } from '../../builders/wait-for';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

const approvers = { groups: ['ml-leads'] };
const spec: Spec = {
  rules: [
    { id: 'frontier-needs-approval', match: { models: ['gpt-4o'] }, action: 'require_approval', approval: { approvers, timeout: '30s' } },
    { id: 'two-leads', match: { models: ['gpt-4o-two'] }, action: 'require_approval', approval: { approvers, minApprovals: 2, timeout: '30s' } },
    { id: 'granted', match: { models: ['gpt-4o-granted'] }, action: 'require_approval', approval: { approvers, grantTtl: '1s', timeout: '30s' } },
    { id: 'quick', match: { models: ['gpt-4o-quick'] }, action: 'require_approval', approval: { approvers, timeout: '1s' } },
    { id: 'reviewed', match: { models: ['gpt-4o-reviewed'] }, action: 'require_approval', approval: { approvers: { groups: ['reviewers'] }, timeout: '30s' } },
    { id: 'forbidden', match: { models: ['forbidden'] }, action: 'deny' },
    { id: 'allow-rest', action: 'allow' },
  ],
  alerts: [{ id: 'denial-burst', kind: 'denial_burst', threshold: 3, windowSeconds: 60, severity: 'high' }],
};

/**
 * Approvals end to end through a real gateway: the openai SDK as caller with a dev-issuer token
 * (audience gatehouse), approvers with dev-issuer tokens for the admin audience (gatehouse-admin)
 * verified by the second identity instance, decisions through the admin API over HTTP.
 */
describe('approvals end to end (openai SDK, admin API)', function () {
  this.timeout(30_000);
  let dir: string;
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let hook: { server: http.Server; url: string; bodies: string[] };
  const tokens: Record<string, string> = {};

  const admin = async (method: string, path: string, who: string, body?: unknown) => {
    const res = await fetch(`${gateway.adminUrl}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  const decide = (id: string, who: string, decision: 'approve' | 'deny', reason?: string) => admin('POST', `/approvals/${id}/decision`, who, { decision, reason });
  const chat = (model: string, opts: { signal?: AbortSignal; as?: OpenAI } = {}) =>
    (opts.as ?? client).chat.completions.create({ model, messages: [{ role: 'user', content: 'train it' }] }, opts.signal ? { signal: opts.signal } : {});
  /** Starts a request and resolves once the gateway holds it. */
  const held = async (model: string, opts: { signal?: AbortSignal; as?: OpenAI } = {}) => {
    const requested = nextEvent(gateway.runtime.events, 'approval.requested');
    const answer = chat(model, opts);
    answer.catch(() => {});
    return { id: (await requested).id, answer };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-approvals-e2e-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => (bodies.push(b), res.end()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hook = { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/alerts`, bodies };
    upstream = await new FakeUpstream().start();
    gateway = await startGateway(
      {
        upstreams: [{ name: 'fake', url: upstream.url }],
        policy: { paths: ['team.policy.yaml'], watch: false },
        server: { admins: { groups: ['security'] } },
        approvals: { keepAliveSeconds: 0.1, approverIdentity: { devIssuer: { enabled: true, audience: 'gatehouse-admin' } } },
        alerts: { webhooks: [{ name: 'soc', url: hook.url }] },
      },
      { configDir: dir },
    );
    tokens.caller = await gateway.token({ sub: 'ci-deployer', groups: ['ci'] });
    tokens.leadCaller = await gateway.token({ sub: 'ml-lead', groups: ['ml-leads'] });
    tokens.lead = await gateway.token({ sub: 'ml-lead', groups: ['ml-leads'], aud: 'gatehouse-admin' });
    tokens.otherLead = await gateway.token({ sub: 'other-lead', groups: ['ml-leads'], aud: 'gatehouse-admin' });
    tokens.intern = await gateway.token({ sub: 'intern', groups: ['interns'], aud: 'gatehouse-admin' });
    tokens.reviewer = await gateway.token({ sub: 'reviewer', groups: ['reviewers'], aud: 'gatehouse-admin' });
    // An admin through server.admins: reads the audit log and metrics, which approvers may not.
    tokens.auditor = await gateway.token({ sub: 'sec-officer', groups: ['security'], aud: 'gatehouse-admin' });
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: tokens.caller, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await new Promise((r) => hook?.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => upstream.reset());

  it('holds a request until an approver approves through the admin API; the SDK gets the answer', async () => {
    const { id, answer } = await held('gpt-4o');
    assert.equal(upstream.requests.length, 0, 'nothing forwarded while waiting');
    const pending = await admin('GET', '/approvals?state=pending', 'lead');
    assert.equal(pending.status, 200);
    const view = pending.json.data.find((a: { id: string }) => a.id === id);
    assert.equal(view.principal.subject, 'ci-deployer');
    assert.equal(view.rule, 'frontier-needs-approval');
    assert.equal(view.model, 'gpt-4o');
    assert.equal((await fetch(`${gateway.adminUrl}/metrics`, { headers: { authorization: `Bearer ${tokens.lead}` } })).status, 403, 'an approver does not read metrics');
    assert.equal((await admin('GET', '/audit?limit=1', 'lead')).status, 403, 'an approver does not read the audit log');
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`, { headers: { authorization: `Bearer ${tokens.auditor}` } })).text();
    assert.match(metrics, /^gatehouse_approvals_pending 1$/m);
    assert.equal((await decide(id, 'lead', 'approve', 'ticket ML-7')).status, 200);
    const completion = await answer;
    assert.equal(completion.choices[0]!.message.content, 'echo: train it');
    assert.equal(upstream.requests.length, 1);
    const records = await admin('GET', `/audit?model=gpt-4o&limit=50`, 'auditor');
    const kinds = records.json.data.map((r: { kind: string }) => r.kind);
    for (const k of ['approval_requested', 'approval_approved', 'arrival']) assert.ok(kinds.includes(k), `audit has ${k}: ${kinds}`);
    const arrival = records.json.data.find((r: { kind: string; approval?: { id: string } }) => r.kind === 'arrival' && r.approval?.id === id);
    assert.equal(arrival.approval.state, 'approved');
    assert.deepEqual(arrival.approval.by, ['ml-lead']);
  });

  it('denies with 403 approval_denied and the approver’s reason; nothing reaches the upstream', async () => {
    const { id, answer } = await held('gpt-4o');
    await decide(id, 'lead', 'deny', 'use gpt-4o-mini for CI');
    const err = await apiError(answer);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'approval_denied');
    assert.match(err.message, /use gpt-4o-mini for CI/);
    assert.equal(upstream.requests.length, 0);
  });

  it('times out with 403 approval_timeout', async () => {
    const { answer } = await held('gpt-4o-quick');
    const err = await apiError(answer);
    assert.deepEqual([err.status, err.code], [403, 'approval_timeout']);
    assert.equal(upstream.requests.length, 0);
  });

  it('refuses self-approval, a non-approver and a second decision', async () => {
    const selfClient = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: tokens.leadCaller, maxRetries: 0 });
    const mine = await held('gpt-4o', { as: selfClient });
    const self = await decide(mine.id, 'lead', 'approve');
    assert.deepEqual([self.status, self.json.error.code], [403, 'ERR_APPROVAL_SELF']);
    const reviewer = await decide(mine.id, 'reviewer', 'approve');
    assert.deepEqual([reviewer.status, reviewer.json.error.code], [403, 'ERR_APPROVAL_NOT_APPROVER']);
    // Approver of no rule at all: refused by the admin API itself, saying why.
    const intern = await decide(mine.id, 'intern', 'approve');
    assert.deepEqual([intern.status, intern.json.error.code], [403, 'ERR_ADMIN_NOT_APPROVER']);
    assert.match(intern.json.error.message, /^intern \(groups interns\) is signed in but is not an approver on this gateway/);
    assert.equal((await decide(mine.id, 'otherLead', 'approve')).status, 200);
    await mine.answer;
    const again = await decide(mine.id, 'lead', 'deny');
    assert.deepEqual([again.status, again.json.error.code], [409, 'ERR_APPROVAL_ALREADY_DECIDED']);
    // The data-path token is not an approver token (audience gatehouse, not gatehouse-admin).
    tokens.callerAsAdmin = tokens.leadCaller;
    assert.equal((await admin('GET', '/approvals', 'callerAsAdmin')).status, 401);
  });

  it('needs two distinct approvers when the rule says minApprovals 2', async () => {
    const { id, answer } = await held('gpt-4o-two');
    assert.equal((await decide(id, 'lead', 'approve')).json.state, 'pending');
    assert.equal((await decide(id, 'lead', 'approve')).status, 409);
    assert.equal((await decide(id, 'otherLead', 'approve')).json.state, 'approved');
    await answer;
  });

  it('reuses a grant until it expires, then asks again', async () => {
    const first = await held('gpt-4o-granted');
    await decide(first.id, 'lead', 'approve');
    await first.answer;
    let requested = false;
    const off = gateway.runtime.events.on('approval.requested', () => (requested = true));
    const second = await chat('gpt-4o-granted');
    off();
    assert.equal(second.choices[0]!.message.content, 'echo: train it');
    assert.equal(requested, false, 'the grant let it pass without asking');
    const grants = await admin('GET', '/grants', 'lead');
    assert.equal(grants.json.data.length, 1);
    assert.equal(grants.json.data[0].uses, 1);
    const used = await admin('GET', '/audit?limit=20', 'auditor');
    assert.ok(used.json.data.some((r: { kind: string }) => r.kind === 'grant_used'));
    // Expiry: the grant lives 1 s.
    await waitFor(() => Date.now() > Date.parse(grants.json.data[0].expiresAt), 'grant expiry', 5000);
    const third = await held('gpt-4o-granted');
    await decide(third.id, 'lead', 'deny', 'enough');
    assert.equal((await apiError(third.answer)).code, 'approval_denied');
  });

  it('withdraws a held request when the client hangs up', async () => {
    const controller = new AbortController();
    const { id, answer } = await held('gpt-4o', { signal: controller.signal });
    const resolved = nextEvent(gateway.runtime.events, 'approval.resolved', (e) => e.id === id);
    controller.abort();
    await assert.rejects(answer);
    assert.equal((await resolved).state, 'withdrawn');
    assert.equal((await admin('GET', `/approvals/${id}`, 'lead')).json.state, 'withdrawn');
    const late = await decide(id, 'lead', 'approve');
    assert.deepEqual([late.status, late.json.error.code], [410, 'ERR_APPROVAL_EXPIRED']);
    assert.equal(upstream.requests.length, 0);
  });

  it('keeps a held streaming request alive with SSE comments, then streams the answer once approved', async () => {
    const requested = nextEvent(gateway.runtime.events, 'approval.requested');
    const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream it' }] });
    const chunks: string[] = [];
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${gateway.dataUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.caller}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', resolve).on('error', reject).end(body);
    });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/event-stream/);
    res.setEncoding('utf8');
    const { id } = await requested;
    const ended = new Promise((r) => res.on('end', r));
    await new Promise<void>((resolve) =>
      res.on('data', (c: string) => {
        chunks.push(c);
        if (chunks.join('').split(': waiting for approval').length - 1 >= 3) resolve();
      }),
    );
    await decide(id, 'lead', 'approve');
    await ended;
    const text = chunks.join('');
    assert.match(text, /^(: waiting for approval\n\n){3,}/);
    const deltas = text
      .split('\n\n')
      .filter((l) => l.startsWith('data: {'))
      .map((l) => JSON.parse(l.slice(6)).choices[0].delta.content ?? '')
      .join('');
    assert.equal(deltas, 'echo: stream it');
    assert.match(text, /data: \[DONE\]\n\n$/);
  });

  it('delivers a denial of a held streaming request as an SSE error the SDK raises', async () => {
    const requested = nextEvent(gateway.runtime.events, 'approval.requested');
    const opened = client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const { id } = await requested;
    const stream = await opened;
    await decide(id, 'lead', 'deny', 'not now');
    const err = await apiError(
      (async () => {
        for await (const _ of stream) assert.fail('no chunk expected');
      })(),
    );
    assert.equal(err.code, 'approval_denied');
    assert.match(err.message, /not now/);
    // The audit records the refusal, not the 200 the stream started with (written as the response closes).
    const deadline = Date.now() + 5000;
    let denied: { status?: number; errorCode?: string }[] = [];
    while (!denied.some((r) => r.status === 403 && r.errorCode === 'approval_denied')) {
      assert.ok(Date.now() < deadline, `no denied record for ${id}: ${JSON.stringify((await admin('GET', '/audit?limit=5', 'auditor')).json)}`);
      const records = await admin('GET', '/audit?decision=require_approval&limit=200', 'auditor');
      denied = records.json.data.filter((r: { approval?: { id: string } }) => r.approval?.id === id);
    }
  });

  it('streams approval events to the admin event stream, resumable with Last-Event-ID', async () => {
    const auth = { authorization: `Bearer ${tokens.lead}` };
    const first = await SseClient.open(`${gateway.adminUrl}/admin/events?types=approval.requested,approval.resolved`, auth);
    const a = await held('gpt-4o');
    await first.until((c) => c.named('approval.requested').some((e) => JSON.parse(e.data).id === a.id), 'requested');
    const lastId = first.events.at(-1)!.id!;
    first.close();
    await decide(a.id, 'lead', 'deny');
    await a.answer.catch(() => {});
    const resumed = await SseClient.open(`${gateway.adminUrl}/admin/events?types=approval.requested,approval.resolved`, { ...auth, 'last-event-id': lastId });
    await resumed.until((c) => c.events.length >= 1, 'missed event');
    assert.equal(resumed.events[0].event, 'approval.resolved');
    assert.deepEqual(JSON.parse(resumed.events[0].data), { id: a.id, state: 'denied', by: 'ml-lead' });
    resumed.close();
  });

  it('alerts once per burst of denials, to the webhook and the audit log', async () => {
    let fired = 0;
    const off = gateway.runtime.events.on('alert.fired', () => fired++);
    const deniedRecords = () => new Promise<void>((resolve) => {
      let n = 0;
      const stop = gateway.runtime.events.on('audit.appended', (e) => {
        if (e.kind === 'denied' && e.model === 'forbidden' && ++n === 6) (stop(), resolve());
      });
    });
    const six = deniedRecords();
    for (let i = 0; i < 6; i++) assert.equal((await apiError(chat('forbidden'))).code, 'ERR_POLICY_DENIED');
    await six;
    off();
    assert.equal(fired, 1, 'one incident, one alert');
    await waitFor(() => hook.bodies.length >= 1, 'webhook delivery');
    assert.equal(hook.bodies.length, 1);
    const alert = JSON.parse(hook.bodies[0]!);
    assert.equal(alert.rule, 'denial-burst');
    assert.equal(alert.principal, 'ci-deployer');
    // The alert's record is written after its event, which the webhook post follows (alert-firing.ts):
    // the post can arrive first, so the record is awaited before the auditor reads the log.
    await auditRecordOf(gateway, { kind: 'alert' }, (r) => (r.details as { alertId?: string } | undefined)?.alertId === alert.id);
    const audit = await admin('GET', '/audit?limit=200', 'auditor');
    assert.ok(audit.json.data.some((r: { kind: string; details?: { alertId?: string } }) => r.kind === 'alert' && r.details?.alertId === alert.id));
  });
});
