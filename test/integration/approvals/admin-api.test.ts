import assert from 'node:assert/strict';
import { approver, buildExchange, caller, requireApproval, awaitApprovalOf } from '../../builders/approval-exchange';
import { startAdmin, scriptedPolicy, type AdminHarness } from '../../builders/admin-runtime';
import { SseClient } from '../../builders/sse-client';
import { nextEvent } from '../../builders/wait-for';
import { openAudit, tempDataDir } from '../../helpers/audit-log';

const approvers = {
  'tok-ml-lead': approver('ml-lead', ['ml-leads']),
  'tok-other-lead': approver('other-lead', ['ml-leads']),
  'tok-intern': approver('intern', ['interns']),
  'tok-visitor': approver('visitor', ['contractors']),
  'tok-ci-deployer': caller('ci-deployer', ['ci', 'ml-leads']),
};

describe('admin API', () => {
  let h: AdminHarness;
  afterEach(() => h?.close());

  /** Holds one request through the approval service and returns its id. */
  async function holdOne(decision = requireApproval(), principal = caller()) {
    const requested = nextEvent(h.events, 'approval.requested');
    const wait = awaitApprovalOf(h.approvals, buildExchange({ decision, principal }));
    wait.catch(() => {});
    return { id: (await requested).id, wait };
  }

  describe('authentication', () => {
    beforeEach(async () => (h = await startAdmin({ approvers })));

    it('answers 401 in the OpenAI error shape without a valid token', async () => {
      for (const token of [null, 'wrong', h.adminToken + 'x', 'tok-unknown']) {
        const res = await h.call('GET', '/admin/approvals', { token });
        assert.equal(res.status, 401, `token ${token}`);
        assert.equal(res.json.error.code, 'ERR_ADMIN_UNAUTHENTICATED');
        assert.equal(res.json.error.type, 'authentication_error');
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="gatehouse-admin"');
      }
    });

    it('accepts the local admin token and approver tokens', async () => {
      assert.equal((await h.call('GET', '/admin/approvals')).status, 200);
      assert.equal((await h.call('GET', '/admin/approvals', { token: 'tok-intern' })).status, 200);
    });

    it('refuses a valid approver token whose principal no rule names as an approver, saying why', async () => {
      for (const [method, path] of [['GET', '/admin/approvals'], ['GET', '/admin/approvals/apr_x'], ['GET', '/admin/grants'], ['GET', '/admin/events']] as const) {
        const res = await h.call(method, path, { token: 'tok-visitor' });
        assert.deepEqual([res.status, res.json.error.code, res.json.error.type], [403, 'ERR_ADMIN_NOT_APPROVER', 'permission_error'], `${method} ${path}`);
        assert.match(res.json.error.message, /^visitor \(groups contractors\) is signed in but is not an approver on this gateway/);
      }
    });

    it('keeps approver tokens to approvals, grants and approval events; server.admins and the local token get everything', async () => {
      await h.close();
      h = await startAdmin({ approvers: { ...approvers, 'tok-sec': approver('sec-officer', ['security']) }, admins: { groups: ['security'] } });
      for (const [method, path] of [['GET', '/admin/audit'], ['GET', '/admin/audit/verify'], ['GET', '/admin/policy'], ['POST', '/admin/policy/reload'], ['POST', '/admin/preview/mask']] as const) {
        const res = await h.call(method, path, { token: 'tok-ml-lead' });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(res.json.error.code, 'ERR_ADMIN_FORBIDDEN');
        for (const token of [undefined, 'tok-sec']) assert.notEqual((await h.call(method, path, { token })).status, 403, `${method} ${path} as ${token ?? 'local admin'}`);
      }
      assert.equal((await h.call('GET', '/admin/approvals', { token: 'tok-ml-lead' })).status, 200);
      assert.equal((await h.call('GET', '/admin/grants', { token: 'tok-ml-lead' })).status, 200);
      const audit = await h.call('GET', '/admin/events?types=audit.appended', { token: 'tok-ml-lead' });
      assert.equal(audit.status, 403);
    });

    it('streams approval events only to an approver', async () => {
      const asApprover = await SseClient.open(`${h.url}/admin/events`, { authorization: 'Bearer tok-intern' });
      const asAdmin = await SseClient.open(`${h.url}/admin/events`, { authorization: `Bearer ${h.adminToken}` });
      try {
        h.events.emit('policy.reloaded', { version: 'sha256:v2', files: ['policy.yaml'], instance: { id: 'i-test', name: 'gw-test' } });
        const { id } = await holdOne();
        await asAdmin.until((c) => c.named('approval.requested').length === 1, 'approval.requested (admin)');
        await asApprover.until((c) => c.named('approval.requested').length === 1, 'approval.requested (approver)');
        assert.equal(asAdmin.named('policy.reloaded').length, 1);
        assert.deepEqual(asApprover.events.map((e) => e.event), ['approval.requested']);
        assert.equal(JSON.parse(asApprover.events[0]!.data).id, id);
      } finally {
        asApprover.close();
        asAdmin.close();
      }
    });

    it('accepts only the local admin token when no approver identity is configured', async () => {
      await h.close();
      h = await startAdmin();
      assert.equal((await h.call('GET', '/admin/grants')).status, 200);
      assert.equal((await h.call('GET', '/admin/grants', { token: 'tok-ml-lead' })).status, 401);
    });
  });

  describe('approvals', () => {
    beforeEach(async () => (h = await startAdmin({ approvers })));

    it('lists pending approvals and approves one as the verified approver', async () => {
      const { id, wait } = await holdOne();
      const list = await h.call('GET', '/admin/approvals?state=pending');
      assert.equal(list.status, 200);
      assert.deepEqual(list.json.data.map((a: { id: string }) => a.id), [id]);
      assert.equal((await h.call('GET', `/admin/approvals/${id}`)).json.state, 'pending');

      const res = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-ml-lead', body: { decision: 'approve', reason: 'ticket 7' } });
      assert.equal(res.status, 200);
      assert.equal(res.json.state, 'approved');
      assert.deepEqual(res.json.approvals.map((a: { subject: string }) => a.subject), ['ml-lead']);
      await wait;
      assert.deepEqual((await h.call('GET', '/admin/approvals')).json.data, []);
      assert.equal((await h.call('GET', '/admin/approvals?state=approved')).json.data[0].id, id);
    });

    it('refuses self-approval, non-approvers and a second decision with the exact codes', async () => {
      const { id } = await holdOne();
      const self = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-ci-deployer', body: { decision: 'approve' } });
      assert.deepEqual([self.status, self.json.error.code], [403, 'ERR_APPROVAL_SELF']);
      const intern = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-intern', body: { decision: 'approve' } });
      assert.deepEqual([intern.status, intern.json.error.code], [403, 'ERR_APPROVAL_NOT_APPROVER']);
      const deny = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-ml-lead', body: { decision: 'deny', reason: 'no' } });
      assert.equal(deny.status, 200);
      const again = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-other-lead', body: { decision: 'approve' } });
      assert.deepEqual([again.status, again.json.error.code], [409, 'ERR_APPROVAL_ALREADY_DECIDED']);
    });

    it('the local admin approves any rule', async () => {
      const { id, wait } = await holdOne(requireApproval({ approvers: { subjects: ['nobody-here'] } }));
      const res = await h.call('POST', `/admin/approvals/${id}/decision`, { body: { decision: 'approve' } });
      assert.equal(res.status, 200);
      assert.equal(res.json.approvals[0].subject, 'local-admin');
      await wait;
    });

    it('validates the decision body and ids', async () => {
      const { id } = await holdOne();
      const table: [unknown, number, string][] = [
        [{ decision: 'maybe' }, 400, 'ERR_ADMIN_BAD_REQUEST'],
        [{}, 400, 'ERR_ADMIN_BAD_REQUEST'],
        [{ decision: 'approve', reason: 42 }, 400, 'ERR_ADMIN_BAD_REQUEST'],
        ['{not json', 400, 'ERR_ADMIN_BAD_JSON'],
      ];
      for (const [body, status, code] of table) {
        const res = await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-ml-lead', body });
        assert.deepEqual([res.status, res.json.error.code], [status, code], JSON.stringify(body));
      }
      assert.equal((await h.call('GET', '/admin/approvals/apr_missing')).json.error.code, 'ERR_APPROVAL_NOT_FOUND');
      assert.equal((await h.call('GET', '/admin/approvals?state=weird')).status, 400);
      assert.equal((await h.call('GET', '/admin/nothing-here')).status, 404);
    });

    it('lists and revokes grants', async () => {
      const { id, wait } = await holdOne(requireApproval({ grantTtlSeconds: 600 }));
      await h.call('POST', `/admin/approvals/${id}/decision`, { token: 'tok-ml-lead', body: { decision: 'approve' } });
      await wait;
      const grants = await h.call('GET', '/admin/grants');
      assert.equal(grants.json.data.length, 1);
      const grant = grants.json.data[0];
      assert.equal(grant.approvalId, id);
      assert.deepEqual(grant.principal, { issuer: 'https://issuer.test', subject: 'ci-deployer' });
      const revoked = await h.call('DELETE', `/admin/grants/${grant.id}`, { token: 'tok-other-lead' });
      assert.equal(revoked.status, 200);
      assert.equal(revoked.json.revokedBy.subject, 'other-lead');
      assert.deepEqual((await h.call('GET', '/admin/grants')).json.data, []);
      const gone = await h.call('DELETE', `/admin/grants/${grant.id}`);
      assert.deepEqual([gone.status, gone.json.error.code], [404, 'ERR_APPROVAL_GRANT_NOT_FOUND']);
      assert.equal(h.audit.ofKind('grant_revoked').length, 1);
    });
  });

  describe('event stream', () => {
    beforeEach(async () => (h = await startAdmin({ approvers, deps: { heartbeatMs: 30 } })));

    it('streams events with ids and resumes exactly after Last-Event-ID', async () => {
      const first = await SseClient.open(`${h.url}/admin/events`, { authorization: `Bearer ${h.adminToken}` });
      assert.equal(first.status, 200);
      const a = await holdOne();
      await first.until((c) => c.named('approval.requested').length === 1, 'first approval.requested');
      const last = first.events.at(-1)!;
      assert.match(last.id!, /^[0-9a-f]+-\d+$/);
      assert.equal(JSON.parse(last.data).id, a.id);
      first.close();

      // Missed while disconnected: a decision and another request.
      await h.call('POST', `/admin/approvals/${a.id}/decision`, { token: 'tok-ml-lead', body: { decision: 'deny', reason: 'no' } });
      const b = await holdOne();

      const resumed = await SseClient.open(`${h.url}/admin/events?types=approval.requested,approval.resolved`, {
        authorization: `Bearer ${h.adminToken}`,
        'last-event-id': last.id!,
      });
      await resumed.until((c) => c.events.length >= 2, 'replayed events');
      assert.deepEqual(
        resumed.events.map((e) => [e.event, JSON.parse(e.data).id]),
        [
          ['approval.resolved', a.id],
          ['approval.requested', b.id],
        ],
      );
      // Then live, without duplicates, ids increasing.
      h.events.emit('alert.fired', { id: 'alr_1', rule: 'r', severity: 'high', message: 'm', at: new Date().toISOString() });
      h.events.emit('approval.resolved', { id: b.id, state: 'withdrawn' });
      await resumed.until((c) => c.events.length >= 3, 'live event');
      assert.deepEqual(resumed.events.map((e) => e.event), ['approval.resolved', 'approval.requested', 'approval.resolved']);
      const seqs = resumed.events.map((e) => Number(e.id!.split('-')[1]));
      assert.deepEqual([...seqs].sort((x, y) => x - y), seqs);
      await resumed.until((c) => c.comments.includes('heartbeat'), 'heartbeat');
      resumed.close();
    });

    it('marks a gap when the Last-Event-ID is from another boot, then replays what it holds', async () => {
      h.events.emit('policy.reloaded', { version: 'sha256:v2', files: ['policy.yaml'], instance: { id: 'i-test', name: 'gw-test' } });
      // (types: opening the stream is itself recorded, and its audit.appended is in the ring too.)
      const client = await SseClient.open(`${h.url}/admin/events?types=policy.reloaded`, { authorization: `Bearer ${h.adminToken}`, 'last-event-id': 'deadbeef-12' });
      await client.until((c) => c.named('policy.reloaded').length === 1, 'replay');
      assert.deepEqual(client.events.map((e) => e.event), ['gap', 'policy.reloaded']);
      assert.equal(JSON.parse(client.events[0].data).reason, 'restarted');
      client.close();
    });

    it('refuses unauthenticated listeners and unknown types', async () => {
      assert.equal((await SseClient.open(`${h.url}/admin/events`, {})).status, 401);
      const bad = await h.call('GET', '/admin/events?types=nope');
      assert.deepEqual([bad.status, bad.json.error.code], [400, 'ERR_ADMIN_BAD_REQUEST']);
    });
  });

  describe('audit, policy and previews', () => {
    it('queries, fetches and verifies the audit log', async () => {
      const { dataDir, cleanup } = await tempDataDir();
      const log = await openAudit(dataDir);
      try {
        const principal = { issuer: 'https://idp.test', subject: 'ci-deployer' };
        const written = [];
        for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4o']) written.push(await log.append({ kind: 'denied', principal, model, decision: { action: 'deny', rule: 'no-frontier' } }));
        h = await startAdmin({ audit: log });
        const list = await h.call('GET', `/admin/audit?after=${written[0]!.id}&principal=ci-deployer&decision=deny&model=gpt-4o&limit=5`);
        assert.deepEqual(list.json.data.map((r: { id: string }) => r.id), [written[2]!.id]);
        assert.equal((await h.call('GET', '/admin/audit?limit=0')).status, 400);
        assert.equal((await h.call('GET', '/admin/audit?decision=maybe')).status, 400);
        assert.deepEqual((await h.call('GET', `/admin/audit/${written[1]!.id}`)).json, written[1]);
        assert.equal((await h.call('GET', '/admin/audit/rec_9')).json.error.code, 'ERR_ADMIN_AUDIT_NOT_FOUND');
        const report = (await h.call('GET', '/admin/audit/verify')).json;
        // + the genesis checkpoint, + the admin record of each of the 5 reads before the check
        assert.deepEqual([report.records.total, report.findings], [written.length + 1 + 5, []]);
      } finally {
        await log.close();
        await cleanup();
      }
    });

    it('previews masking of a sample payload with the core masking preview', async () => {
      h = await startAdmin();
      const res = await h.call('POST', '/admin/preview/mask', {
        body: { spec: [{ name: 'pii', detectors: ['email'] }], sample: { input: 'mail ada@example.com please' }, where: 'upstream' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.ok, true);
      assert.equal(res.json.changed, true);
      assert.doesNotMatch(JSON.stringify(res.json.masked), /ada@example\.com/);
      assert.equal(res.json.spans[0].detector, 'email');
      const bad = await h.call('POST', '/admin/preview/mask', { body: { spec: [{ name: 'x', detectors: ['no-such-detector'] }], sample: 'text' } });
      assert.equal(bad.status, 422);
      assert.equal(bad.json.ok, false);
      assert.equal((await h.call('POST', '/admin/preview/mask', { body: { spec: [] } })).status, 400);
    });

    it('shows the policy version, reloads (422 when the new policy is bad) and previews decisions', async () => {
      const policy = scriptedPolicy((p) => ({
        action: p.groups.includes('ci') ? 'require_approval' : 'deny',
        rule: 'fine-tune-needs-approval',
        reasons: [],
        limits: {},
        masks: [],
        explain: [{ rule: 'fine-tune-needs-approval', matched: true, reason: 'group ci' }],
        policyVersion: 'sha256:v1',
      }));
      h = await startAdmin({ policy });
      assert.deepEqual((await h.call('GET', '/admin/policy')).json, { version: 'sha256:v1' });
      assert.equal((await h.call('POST', '/admin/policy/reload')).status, 200);
      policy.reloadResult = { ok: false, version: 'sha256:v1', errors: [{ file: 'p.yaml', line: 3, path: '/spec', message: 'bad' }] };
      const failed = await h.call('POST', '/admin/policy/reload');
      assert.equal(failed.status, 422);
      assert.equal(failed.json.errors[0].line, 3);

      const preview = await h.call('POST', '/admin/preview/decision', {
        body: { principal: { subject: 'ci-deployer', groups: ['ci'] }, request: { method: 'post', path: '/v1/fine_tuning/jobs', endpoint: 'fine-tuning', body: { model: 'gpt-4o' } } },
      });
      assert.equal(preview.status, 200);
      assert.equal(preview.json.decision.action, 'require_approval');
      assert.equal(preview.json.request.model, 'gpt-4o');
      assert.equal(preview.json.request.method, 'POST');
      const bad = await h.call('POST', '/admin/preview/decision', { body: { principal: {}, request: { path: '/v1' } } });
      assert.equal(bad.status, 400);
    });
  });
});
