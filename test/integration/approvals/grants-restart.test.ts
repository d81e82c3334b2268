import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { collectEvents, nextEvent } from '../../builders/wait-for';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';

const approvers = { groups: ['ml-leads'] };
const spec: Spec = {
  rules: [
    { id: 'granted', match: { models: ['gpt-4o-granted'] }, action: 'require_approval', approval: { approvers, grantTtl: '10m', timeout: '30s' } },
    { id: 'revoked', match: { models: ['gpt-4o-revoked'] }, action: 'require_approval', approval: { approvers, grantTtl: '10m', timeout: '30s' } },
    { id: 'allow-rest', action: 'allow' },
  ],
};

/**
 * Grants outlive a restart: they are read back from the audit log (the approval that made each
 * one, minus the revoked), so a deploy does not make every approved caller ask again.
 */
describe('approval grants across a gateway restart', function () {
  this.timeout(30_000);
  let configDir: string;
  let dataDir: string;
  let upstream: FakeUpstream;
  let gateway: TestGateway | undefined;

  const start = async () => {
    gateway = await startGateway({ upstreams: [{ name: 'fake', url: upstream.url }], policy: { paths: ['team.policy.yaml'], watch: false } }, { configDir, dataDir });
    const client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token({ sub: 'ci-deployer', groups: ['ci'] }), maxRetries: 0 });
    const adminToken = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim();
    const admin = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateway!.adminUrl}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const chat = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'ship it' }] });
    /** A call that is held, then decided by the local admin. */
    const approved = async (model: string, decision: 'approve' | 'deny' = 'approve') => {
      const requested = nextEvent(gateway!.runtime.events, 'approval.requested');
      const answer = chat(model);
      answer.catch(() => {});
      const { id } = await requested;
      assert.equal((await admin('POST', `/approvals/${id}/decision`, { decision })).status, 200);
      return answer;
    };
    return { admin, chat, approved, runtime: gateway.runtime };
  };

  before(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'gatehouse-grants-'));
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-grants-data-'));
    writeFileSync(join(configDir, 'team.policy.yaml'), policyYaml(spec));
    upstream = await new FakeUpstream().start();
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    rmSync(configDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restores the unexpired, unrevoked grants from the audit log; callers are not asked again', async () => {
    const first = await start();
    await first.approved('gpt-4o-granted');
    await first.approved('gpt-4o-revoked');
    const before = (await first.admin('GET', '/grants')).json.data as { id: string; rule: string }[];
    assert.deepEqual(before.map((g) => g.rule).sort(), ['granted', 'revoked']);
    const revoked = before.find((g) => g.rule === 'revoked')!;
    assert.equal((await first.admin('DELETE', `/grants/${revoked.id}`)).status, 200);
    const kept = before.find((g) => g.rule === 'granted')!;
    await gateway!.close();

    const second = await start();
    const after = (await second.admin('GET', '/grants')).json.data as { id: string; uses: number }[];
    assert.deepEqual(after.map((g) => ({ ...g, uses: 0 })), [{ ...kept, uses: 0 }], 'the same grant, the revoked one not back');

    // The granted caller goes straight through: no approval asked, a grant_used record.
    const asked = collectEvents(second.runtime.events, ['approval.requested']);
    const answer = await second.chat('gpt-4o-granted');
    asked.stop();
    assert.match(answer.choices[0]!.message.content ?? '', /ship it/);
    assert.deepEqual(asked.list, []);
    const used = await second.runtime.audit.query!({ kind: 'grant_used' });
    assert.equal((used.at(-1)?.details as { grantId?: string } | undefined)?.grantId, kept.id);

    // The revoked grant stays revoked: the caller is held again.
    await assert.rejects(second.approved('gpt-4o-revoked', 'deny'), (err: { status?: number }) => err.status === 403);
  });
});
