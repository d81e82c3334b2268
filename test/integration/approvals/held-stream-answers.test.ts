import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { apiError } from '../../builders/api-error';
import { auditRecordOf } from '../../builders/audit-record-of';
import { policyYaml } from '../../builders/policy';
import { nextEvent } from '../../builders/wait-for';
import { FakeUpstream, sendJson } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

/**
 * A held streaming request has answered 200 with SSE headers before the upstream is asked, so an
 * upstream answer that is not a stream reaches the client as one SSE event. That event is still a
 * response: the response stages (masking for the client and the audit copy) apply to it exactly
 * as they would to the same answer of a request that was never held.
 */
describe('approvals: upstream answers delivered into a held stream', function () {
  this.timeout(30_000);
  let dir: string;
  let upstream: FakeUpstream;
  let gateway: TestGateway;
  let client: OpenAI;
  let lead: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-held-answers-'));
    writeFileSync(
      join(dir, 'team.policy.yaml'),
      policyYaml({
        rules: [
          { id: 'needs-approval', match: { models: ['gpt-4o'] }, action: 'require_approval', approval: { approvers: { groups: ['ml-leads'] }, timeout: '30s' } },
          { id: 'allow-rest', action: 'allow' },
        ],
        masking: [{ name: 'contacts-client', detectors: ['email'], where: ['client'] }],
      }),
    );
    upstream = await new FakeUpstream().start();
    gateway = await startGateway(
      {
        upstreams: [{ name: 'fake', url: upstream.url }],
        policy: { paths: ['team.policy.yaml'], watch: false },
        approvals: { keepAliveSeconds: 0.1, approverIdentity: { devIssuer: { enabled: true, audience: 'gatehouse-admin' } } },
      },
      { configDir: dir },
    );
    client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token({ sub: 'ci-deployer', groups: ['ci'] }), maxRetries: 0 });
    lead = await gateway.token({ sub: 'ml-lead', groups: ['ml-leads'], aud: 'gatehouse-admin' });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => upstream.reset());

  /** Opens a held stream, approves it, and returns the SDK's stream with the request's id. */
  async function approvedStream() {
    const requested = nextEvent(gateway.runtime.events, 'approval.requested');
    const opened = client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    const { id } = await requested;
    const { data: stream, response } = await opened;
    const decided = await fetch(`${gateway.adminUrl}/admin/approvals/${id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lead}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    });
    assert.equal(decided.status, 200);
    return { stream, requestId: response.headers.get('x-request-id')! };
  }

  it('masks an upstream error body for the client and the audit copy', async () => {
    upstream.handler = (_req, res) =>
      sendJson(res, 400, { error: { message: 'account owner@example.com is over its quota', type: 'invalid_request_error', code: 'quota', param: null } });
    const { stream, requestId } = await approvedStream();
    const err = await apiError(
      (async () => {
        for await (const _ of stream) assert.fail('no chunk expected');
      })(),
    );
    assert.equal(err.code, 'quota', 'the upstream error is passed on for the SDK to raise');
    assert.doesNotMatch(err.message, /owner@example\.com/);
    assert.match(err.message, /\[REDACTED:EMAIL\] is over its quota/);
    const outcome = await auditRecordOf(gateway, { requestId }, (r) => r.kind === 'outcome');
    assert.equal(outcome.status, 400);
    assert.doesNotMatch(JSON.stringify(outcome), /owner@example\.com/);
    assert.match(JSON.stringify(outcome.responseBody), /\[REDACTED:EMAIL\]/, 'the audit keeps the masked error body');
  });

  it('masks an unexpected non-streaming success for the client', async () => {
    upstream.handler = (_req, res) =>
      sendJson(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'write to owner@example.com' }, finish_reason: 'stop' }] });
    const { stream } = await approvedStream();
    const chunks: unknown[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.length, 1);
    assert.doesNotMatch(JSON.stringify(chunks), /owner@example\.com/);
    assert.match(JSON.stringify(chunks), /\[REDACTED:EMAIL\]/);
  });
});
