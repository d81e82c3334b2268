import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Spec } from '../../../gateway/generated/gatehouse.policy';
import { policyYaml } from '../../builders/policy';
import { auditRecordOf } from '../../builders/audit-record-of';
import { FakeUpstream, type RecordedRequest } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { rawExchange } from '../../helpers/raw-http';

/** Issue 15 item 1: the path a policy judges is exactly the path the upstream receives. */
const spec: Spec = {
  denyEndpoints: [{ id: 'model-export', paths: ['/v1/models/*/export'] }],
  rules: [
    { id: 'no-fine-tuning', match: { endpoints: ['fine-tuning'] }, action: 'deny' },
    { id: 'rest', action: 'allow' },
  ],
};

describe('proxy: request paths (one check, judged as forwarded)', () => {
  let dir: string;
  let upstream: FakeUpstream;
  let anthropic: FakeUpstream;
  let gateway: TestGateway;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-path-it-'));
    writeFileSync(join(dir, 'paths.policy.yaml'), policyYaml(spec));
    upstream = await new FakeUpstream().start();
    anthropic = await new FakeUpstream().start();
    gateway = await startGateway({
      upstreams: [
        { name: 'azure', url: `${upstream.url}/openai/deployments/gpt-4o`, pathPrefix: '/azure', stripPrefix: true },
        { name: 'anthropic', url: anthropic.url, pathPrefix: '/anthropic', stripPrefix: true },
        { name: 'fake', url: upstream.url },
      ],
      policy: { paths: ['paths.policy.yaml'], watch: false },
    }, { configDir: dir });
    token = await gateway.token();
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await anthropic?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    upstream.reset();
    anthropic.reset();
  });

  /** The request as curl --path-as-is sends it: the target byte for byte, on its own connection. */
  async function send(target: string, method = 'POST') {
    const body = method === 'POST' ? '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}' : '';
    const res = await rawExchange(gateway.dataUrl, `${method} ${target} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    const requestId = /x-request-id: (\S+)/i.exec(res.head)?.[1];
    return { ...res, requestId, code: res.body.startsWith('{"error"') ? (JSON.parse(res.body).error.code as string) : undefined };
  }

  /** The record of the request part (arrival, or the refusal): the path as judged. */
  const auditRecord = (requestId: string) => auditRecordOf(gateway, { requestId }, (r) => r.path !== undefined);

  function received(requestId: string): RecordedRequest[] {
    return [...upstream.requests, ...anthropic.requests].filter((r) => r.headers['x-request-id'] === requestId);
  }

  const attacks = [
    // Judged as chat, routed upstream to fine-tuning.
    '/v1/chat/completions/../../fine_tuning/jobs',
    // Past the model-export deny list to the export endpoint.
    '/v1/chat/completions/%2e%2e/%2e%2e/models/gpt-4o/export',
    // Out of the upstream URL's base path, with the injected key.
    '/azure/../../../internal/admin/chat/completions',
    '/azure/%2E%2E/%2e./.%2E/internal/admin/chat/completions',
    '/v1/chat/completions%2f..%2f..%2ffine_tuning%2fjobs',
    '/v1/chat/completions\\..\\..\\fine_tuning\\jobs',
    '/azure//internal/chat/completions',
    '/v1/models/gpt-4o%00/export',
    '/v1/chat/%zzcompletions',
  ];
  for (const target of attacks) {
    it(`refuses ${target} with 400 ERR_REQUEST_PATH, audited, forwarding nothing`, async () => {
      const res = await send(target);
      assert.equal(res.status, 400);
      assert.equal(res.code, 'ERR_REQUEST_PATH');
      const error = JSON.parse(res.body).error;
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message, /request path is refused/);
      assert.equal(upstream.requests.length + anthropic.requests.length, 0);
      const record = await auditRecord(res.requestId!);
      assert.deepEqual([record.kind, record.status, record.errorCode, record.path], ['denied', 400, 'ERR_REQUEST_PATH', target.split('?')[0]]);
    });
  }

  it('judges an encoded unreserved character as the endpoint it reaches (/v1/fine%5Ftuning/jobs is fine-tuning)', async () => {
    const res = await send('/v1/fine%5Ftuning/jobs');
    assert.deepEqual([res.status, res.code], [403, 'ERR_POLICY_DENIED']);
    assert.equal(upstream.requests.length, 0);
    const export_ = await send('/v1/models/gpt-4o/%65xport');
    assert.deepEqual([export_.status, export_.code], [403, 'ERR_POLICY_DENY_LIST']);
  });

  it('forwards the normal form it judged, under the base path', async () => {
    const res = await send('/azure/ch%61t/completions?api-version=2024-06-01');
    assert.equal(res.status, 200);
    assert.equal(upstream.last.path, '/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01');
    const record = await auditRecord(res.requestId!);
    assert.deepEqual([record.path, record.endpoint, record.upstream], ['/azure/chat/completions', 'chat', 'azure']);
  });

  it('matches pathPrefix by whole segments: /anthropicX is not /anthropic', async () => {
    const res = await send('/anthropicX/v1/messages');
    assert.equal(res.status, 200);
    assert.equal(anthropic.requests.length, 0, 'the anthropic upstream (and its key) never sees /anthropicX');
    assert.equal(upstream.last.path, '/anthropicX/v1/messages');
    assert.equal((await auditRecord(res.requestId!)).upstream, 'fake');
    await send('/anthropic/v1/messages');
    assert.equal(anthropic.last.path, '/v1/messages');
  });

  it('property: for any target, the gateway refuses it or the upstream resolves it to the path the policy judged', async function () {
    this.timeout(120_000);
    const piece = fc.constantFrom(
      'v1', 'chat', 'completions', 'models', 'fine_tuning', 'jobs', 'export', 'gpt-4o', 'x:y', 'a.b', '~u', "!$&'()*+,;=@",
      '.', '..', '...', '%2e', '%2E', '.%2e', '%2E.', '%2e%2e', '%2f', '%2F', '%5c', '%5C', '\\', '', '%', '%2', '%zz', '%00', '%0A', '%7f',
      '%61', '%5F', '%3A', '%3a', '%20', '%25', '%252e', '%C3%A9', '%3F', '%23', '?', '#', '[', '|', '{',
    );
    const separator = fc.constantFrom('/', '/', '/', '//', '\\', '/./', '/../', '/%2e/', '%2f');
    const target = fc.tuple(fc.constantFrom('', '/azure', '/anthropic'), fc.array(fc.tuple(separator, piece), { minLength: 1, maxLength: 7 }))
      .map(([prefix, parts]) => prefix + parts.map(([sep, p]) => sep + p).join(''));
    const bases: Record<string, { base: string; prefix?: string }> = { azure: { base: '/openai/deployments/gpt-4o', prefix: '/azure' }, anthropic: { base: '', prefix: '/anthropic' }, fake: { base: '' } };
    await fc.assert(fc.asyncProperty(target, fc.constantFrom('GET', 'POST'), async (t, method) => {
      const res = await send(t, method);
      const seen = res.requestId ? received(res.requestId) : [];
      if (res.status === 400) {
        // Refused by the check, or by Node's parser before it (a raw control character or '#' splits nothing but the line).
        assert.ok(res.code === 'ERR_REQUEST_PATH' || res.code === 'ERR_REQUEST_MALFORMED', `${t}: ${res.body}`);
        assert.equal(seen.length, 0);
        return;
      }
      const record = await auditRecord(res.requestId!);
      if (res.status === 403) return assert.equal(seen.length, 0);
      assert.equal(res.status, 200, `${t}: ${res.head}`);
      assert.equal(seen.length, 1);
      const { base, prefix } = bases[record.upstream!]!;
      const judged = record.path!;
      const forwarded = seen[0]!.path.split('?', 1)[0]!;
      // What the upstream's URL parser (WHATWG) makes of what it received is what the policy judged.
      const resolved = new URL(forwarded, 'http://upstream.test').pathname;
      const expected = base + (prefix ? judged.slice(prefix.length) || '/' : judged);
      assert.equal(resolved, expected, `${t}: judged ${judged}, upstream resolved ${resolved}`);
      assert.equal(forwarded, expected, 'the bytes forwarded are the bytes judged');
      if (base) assert.ok(resolved.startsWith(`${base}/`), 'never out of the base path');
    }), { numRuns: 300 });
  });
});
