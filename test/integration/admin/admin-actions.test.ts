import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { SseClient } from '../../builders/sse-client';
import { nextEvent } from '../../builders/wait-for';
import { readAuditRecords, runAuditCli, until } from '../../helpers/audit-log';
import { runCli } from '../../helpers/cli';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { HttpReceiver } from '../../helpers/http-receiver';
import { startGateway, type TestGateway } from '../../helpers/gateway';

const spec: Spec = {
  rules: [
    { id: 'frontier-needs-approval', match: { models: ['gpt-4o'] }, action: 'require_approval', approval: { approvers: { groups: ['ml-leads'] }, grantTtl: '1h', timeout: '30s' } },
    { id: 'allow-rest', action: 'allow' },
  ],
};

/**
 * Issue 22 §2: every admin action leaves an `admin` record (the admin principal, the action, what
 * it was about) in the same chain, durable before the answer: each test reads the log from disk
 * the moment the answer arrives and finds the record there, by the answer's x-request-id. At the
 * end, `gatehouse audit verify` checks the chain holding them all.
 */
describe('admin actions on the record (kind admin, durable before the answer)', function () {
  this.timeout(60_000);
  let dir: string;
  let dataDir: string;
  let stopped = false;
  let upstream: FakeUpstream;
  let siem: HttpReceiver;
  let gateway: TestGateway;
  let adminToken: string;
  let leadToken: string;
  let callerToken: string;

  const auditDir = () => join(gateway.dataDir, 'audit');

  /** Calls the admin API; on the answer, reads the log from disk at once and returns the record with the answer's request id. */
  async function act(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any; record: AuditRecord | undefined; onDisk: AuditRecord[] }> {
    const res = await fetch(gateway.adminUrl + path, {
      method,
      headers: { authorization: `Bearer ${opts.token ?? adminToken}`, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    // Read the disk as soon as the status line arrived (before even reading the body).
    const onDisk = await readAuditRecords(auditDir());
    const requestId = res.headers.get('x-request-id');
    assert.ok(requestId, `${method} ${path}: the answer has an x-request-id`);
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text, record: onDisk.find((r) => r.requestId === requestId), onDisk };
  }

  function chat(model: string): Promise<Response> {
    return fetch(`${gateway.dataUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${callerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-actions-'));
    // Our own data dir (the gateway's close keeps it): the last test rotates the key of this log.
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-admin-actions-data-'));
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml(spec));
    upstream = await new FakeUpstream().start();
    siem = await new HttpReceiver().start();
    gateway = await startGateway(
      {
        upstreams: [{ name: 'fake', url: upstream.url }],
        policy: { paths: ['team.policy.yaml'], watch: false },
        approvals: { approverIdentity: { devIssuer: { enabled: true, audience: 'gatehouse-admin' } } },
        audit: {
          sinks: [{ type: 'http', name: 'siem', url: `${siem.url}/ingest`, backoffMinMs: 10, backoffMaxMs: 50 }],
          authFailureRecords: { perSource: 2, intervalSeconds: 2 },
        },
      },
      { configDir: dir, dataDir },
    );
    adminToken = readFileSync(join(gateway.dataDir, 'admin.token'), 'utf8').trim();
    leadToken = await gateway.token({ sub: 'ml-lead', groups: ['ml-leads'], aud: 'gatehouse-admin' });
    callerToken = await gateway.token({ sub: 'ci-deployer', groups: ['ci'] });
  });
  after(async () => {
    if (!stopped) await gateway?.close();
    await upstream?.stop();
    await siem?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reading the log: one record per request (not per record returned), with the filters and the count', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await chat('gpt-4o-mini')).status, 200);
    const before = (await readAuditRecords(auditDir())).filter((r) => r.kind === 'admin').length;
    const { status, body, record, onDisk } = await act('GET', '/admin/audit?limit=50&model=gpt-4o-mini');
    assert.equal(status, 200);
    assert.ok(body.data.length >= 6, 'arrival and outcome of each call');
    assert.equal(onDisk.filter((r) => r.kind === 'admin').length, before + 1, 'one admin record for the read');
    assert.equal(record?.kind, 'admin');
    assert.deepEqual(record.principal, { issuer: 'urn:gatehouse:local', subject: 'local-admin', groups: ['gatehouse-admins'] });
    assert.deepEqual(record.admin, { action: 'audit.query', credential: 'admin-token', role: 'admin', query: { model: 'gpt-4o-mini', limit: 50 }, returned: body.data.length });
    assert.deepEqual([record.method, record.path, record.status], ['GET', '/admin/audit', 200]);
    assert.ok(!body.data.some((r: AuditRecord) => r.id === record.id), 'a read never returns its own record');

    const one = await act('GET', `/admin/audit/${body.data[0].id}`);
    assert.deepEqual(one.record?.admin, { action: 'audit.read', credential: 'admin-token', role: 'admin', target: body.data[0].id, returned: 1 });
    const verify = await act('GET', '/admin/audit/verify');
    assert.deepEqual([verify.status, verify.record?.admin?.action], [200, 'audit.verify']);
    const missing = await act('GET', '/admin/audit/rec_missing');
    assert.deepEqual([missing.status, missing.record?.status, missing.record?.errorCode, missing.record?.admin?.action], [404, 404, 'ERR_ADMIN_AUDIT_NOT_FOUND', 'audit.read']);

    const admins = await act('GET', '/admin/audit?kind=admin&limit=1000');
    assert.ok(admins.body.data.length >= 4 && admins.body.data.every((r: AuditRecord) => r.kind === 'admin'), 'kind=admin filters the admin records');
  });

  it('following the event stream: one record when it opens', async () => {
    const appended = nextEvent(gateway.runtime.events, 'audit.appended', (e) => e.kind === 'admin');
    const stream = await SseClient.open(`${gateway.adminUrl}/admin/events?types=approval.requested`, { authorization: `Bearer ${adminToken}` });
    try {
      assert.equal(stream.status, 200);
      // The stream's headers came after its record was durable: it is on disk now.
      const onDisk = await readAuditRecords(auditDir());
      const { id } = await appended;
      const record = onDisk.find((r) => r.id === id);
      assert.deepEqual(record?.admin, { action: 'events.follow', credential: 'admin-token', role: 'admin', query: { types: 'approval.requested' } });
    } finally {
      stream.close();
    }
  });

  it('an approval decision and a grant revocation, by the approver who made them', async () => {
    const requested = nextEvent(gateway.runtime.events, 'approval.requested');
    const held = chat('gpt-4o');
    const { id } = await requested;
    const decided = await act('POST', `/admin/approvals/${id}/decision`, { token: leadToken, body: { decision: 'approve', reason: 'ticket ML-7' } });
    assert.equal(decided.status, 200);
    assert.equal((await held).status, 200);
    assert.equal(decided.record?.principal?.subject, 'ml-lead');
    assert.deepEqual(decided.record?.admin, { action: 'approval.decide', credential: 'token', role: 'approver', target: id, verdict: 'approve', reason: 'ticket ML-7' });

    const again = await act('POST', `/admin/approvals/${id}/decision`, { token: leadToken, body: { decision: 'deny' } });
    assert.deepEqual([again.status, again.record?.status, again.record?.admin?.verdict], [409, 409, 'deny'], 'a refused decision is recorded too');

    const revoked = await act('DELETE', `/admin/grants/${decided.body.grantId}`, { token: leadToken });
    assert.equal(revoked.status, 200);
    assert.deepEqual(revoked.record?.admin, { action: 'grant.revoke', credential: 'token', role: 'approver', target: decided.body.grantId });

    const forbidden = await act('GET', '/admin/audit', { token: leadToken });
    assert.deepEqual([forbidden.status, forbidden.record?.status, forbidden.record?.errorCode, forbidden.record?.admin?.action], [403, 403, 'ERR_ADMIN_FORBIDDEN', 'audit.query']);
  });

  it('a policy reload, with the version before and after', async () => {
    const before = gateway.runtime.policy.version;
    writeFileSync(join(dir, 'team.policy.yaml'), policyYaml({ rules: [...spec.rules!, { id: 'never', match: { models: ['nope'] }, action: 'deny' }] }));
    const { status, body, record } = await act('POST', '/admin/policy/reload');
    assert.equal(status, 200);
    assert.notEqual(body.version, before);
    assert.deepEqual(record?.admin, { action: 'policy.reload', credential: 'admin-token', role: 'admin', fromVersion: before, toVersion: body.version });
  });

  it('a sink cursor reset, with the seq it was at; the sink then receives the log again from its start', async () => {
    const first = (await readAuditRecords(auditDir()))[0]!.id;
    const deliveries = () => siem.received.filter((r) => r.body.includes(first)).length;
    await until(() => deliveries() === 1, 10_000, 'the sink delivered the first record');
    await until(() => gateway.runtime.audit.lag().siem === 0, 10_000, 'the sink caught up');
    const { status, body, record } = await act('POST', '/admin/sinks/siem/reset');
    assert.equal(status, 200);
    assert.ok(body.fromSeq > 1);
    assert.deepEqual(record?.admin, { action: 'sink.reset', credential: 'admin-token', role: 'admin', target: 'siem', fromSeq: body.fromSeq });
    await until(() => deliveries() === 2, 10_000, 'the first record delivered again');
  });

  it('any other use of the admin token (policy read, instances, previews, metrics)', async () => {
    for (const [method, path, action, body] of [
      ['GET', '/admin/policy', 'policy.read'],
      ['GET', '/admin/instances', 'instances.list'],
      ['GET', '/admin/approvals?state=all', 'approvals.list'],
      ['POST', '/admin/preview/decision', 'preview.decision', { principal: { subject: 'x' }, request: { path: '/v1/chat/completions' } }],
      ['GET', '/metrics', 'metrics.read'],
      ['GET', '/admin/nothing-here', 'unknown'],
    ] as const) {
      const r = await act(method, path, { body });
      assert.equal(r.record?.admin?.action, action, path);
      assert.equal(r.record?.admin?.credential, 'admin-token');
      assert.equal(r.record?.status, r.status);
    }
  });

  it('failed admin authentication: auth_failed records, collapsed per source like the data path', async () => {
    // Four at once, within one interval: two get a record each (perSource 2), two are counted.
    const results = await Promise.all([0, 1, 2, 3].map((i) => act('GET', '/admin/audit', { token: `wrong-${i}` })));
    assert.ok(results.every((r) => r.status === 401));
    const own = results.filter((r) => r.record);
    assert.deepEqual(own.map((r) => [r.record!.kind, r.record!.path, r.record!.status, r.record!.errorCode]), [
      ['auth_failed', '/admin/audit', 401, 'ERR_TOKEN_MALFORMED'],
      ['auth_failed', '/admin/audit', 401, 'ERR_TOKEN_MALFORMED'],
    ]);
    // The other two were answered only once the summary counting them was durable.
    for (const counted of results.filter((r) => !r.record)) {
      const summary = [...counted.onDisk].reverse().find((r) => r.kind === 'auth_failed_summary');
      assert.ok(summary, 'the summary was on disk before the answers it counts');
      assert.deepEqual((summary.details as { count: number; codes: object }).count, 2);
      assert.deepEqual((summary.details as { codes: object }).codes, { ERR_TOKEN_MALFORMED: 2 });
    }
  });

  it('audit tail --kind admin lists them, and audit verify verifies the chain that holds them', async () => {
    const tail = await runAuditCli(['tail', '--dir', auditDir(), '--kind', 'admin', '-n', '1000', '--json']);
    assert.equal(tail.code, 0, tail.stderr);
    const lines = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    assert.ok(lines.length >= 15 && lines.every((r) => r.kind === 'admin'));
    assert.ok(['audit.query', 'approval.decide', 'grant.revoke', 'policy.reload', 'sink.reset', 'metrics.read'].every((a) => lines.some((r) => r.admin?.action === a)));
    const verified = await runCli(['audit', 'verify', '--dir', auditDir()]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  it('signing-key rotation (gatehouse audit rotate-key, gateway stopped) is recorded before the hand-over', async () => {
    const configFile = join(dir, 'gatehouse.yaml');
    writeFileSync(configFile, `server:\n  dataDir: ${JSON.stringify(dataDir)}\n`);
    stopped = true;
    await gateway.close();
    const rotated = await runCli(['audit', 'rotate-key', '--config', configFile, '--new-key', join(dir, 'next-key.jwk')]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const records = await readAuditRecords(join(dataDir, 'audit'));
    const i = records.findIndex((r) => r.admin?.action === 'signing_key.rotate');
    assert.ok(i > 0, 'the rotation is recorded');
    assert.equal(records[i]!.admin?.credential, 'operator');
    assert.equal(records[i + 1]?.kind, 'checkpoint', 'the hand-over checkpoint (old key) comes right after it');
    assert.ok(records[i + 1]!.checkpoint!.next, 'that checkpoint hands over');
  });
});
