import assert from 'node:assert/strict';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server';
import { rawPost } from '../../helpers/raw-http';
import { generateTestKey, tokenBuilder, type TestKey } from '../../helpers/token-builder';

// GitHub Actions' issuer, as its OIDC tokens name it (the keys here are the test's own).
const issuer = 'https://token.actions.githubusercontent.com';
const audience = 'gatehouse';
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * Issue 22 §3: who, from where, in which trace. Arrival, outcome and refusal records carry the
 * client address (after server.trustedProxies), the user agent, the token's jti, the caller's own
 * x-request-id, its W3C traceparent, and the claim attributes the issuer's config maps — each
 * bounded, so a caller cannot grow its records at will.
 */
describe('audit: who, from where, in which trace', function () {
  this.timeout(30_000);
  let key: TestKey;
  let jwks: JwksServer;
  let upstream: FakeUpstream;
  let gateway: TestGateway;

  before(async () => {
    key = generateTestKey('RS256', 'gha-1');
    jwks = await startJwksServer([key.publicJwk]);
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({
      server: { trustedProxies: ['127.0.0.1'] },
      upstreams: [{ name: 'fake', url: upstream.url }],
      identity: {
        devIssuer: { enabled: false },
        issuers: [{
          issuer, audience, jwksUri: jwks.url, maxTokenLifetimeSeconds: 3600,
          claims: { attributes: { repository: 'repository', workflow: 'workflow', ref: 'ref', serviceAccount: '/kubernetes.io/serviceaccount/name', teams: 'teams' } },
        }],
      },
    });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await jwks?.close();
  });

  /** A GitHub Actions-shaped token (claims as GitHub documents them). */
  const ghaToken = (extra: Record<string, unknown> = {}) =>
    tokenBuilder({ key, issuer, audience, typ: 'JWT' })
      .claims({
        sub: 'repo:acme/app:ref:refs/heads/main', jti: 'a1b2c3d4-0000-4000-8000-000000000001',
        repository: 'acme/app', workflow: 'deploy', ref: 'refs/heads/main', 'kubernetes.io': { serviceaccount: { name: 'builder' } },
        ...extra,
      })
      .build();

  async function recordsOf(res: { headers: Record<string, string | string[] | undefined> }): Promise<AuditRecord[]> {
    return gateway.runtime.audit.query!({ requestId: String(res.headers['x-request-id']) });
  }

  it('arrival and outcome records carry the client address after trusted proxies, user agent, jti, caller request id, traceparent and mapped claims', async () => {
    const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, {
      authorization: `Bearer ${ghaToken()}`,
      'user-agent': 'OpenAI/Python 1.40.0',
      'x-request-id': 'job-17',
      'x-forwarded-for': '203.0.113.7',
      traceparent,
    });
    assert.equal(res.status, 200, res.body);
    const records = await recordsOf(res);
    assert.deepEqual(records.map((r) => r.kind), ['arrival', 'outcome']);
    for (const r of records) {
      assert.deepEqual(
        [r.clientAddress, r.userAgent, r.callerRequestId, r.traceparent, r.principal?.tokenId],
        ['203.0.113.7', 'OpenAI/Python 1.40.0', 'job-17', traceparent, 'a1b2c3d4-0000-4000-8000-000000000001'],
        r.kind,
      );
      assert.deepEqual(r.principal?.attributes, { repository: 'acme/app', workflow: 'deploy', ref: 'refs/heads/main', serviceAccount: 'builder' }, r.kind);
    }
    assert.notEqual(res.headers['x-request-id'], 'job-17', 'the gateway answers with its own id');
  });

  it('a refused request keeps the same facts in its one record', async () => {
    const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, { ...chat, model: 'x'.repeat(5) }, {
      authorization: `Bearer ${ghaToken({ aud: 'elsewhere' })}`,
      'user-agent': 'curl/8.5.0',
      'x-request-id': 'job-18',
      traceparent,
    });
    assert.equal(res.status, 401);
    const [record] = await recordsOf(res);
    assert.equal(record?.kind, 'auth_failed');
    assert.deepEqual([record!.clientAddress, record!.userAgent, record!.callerRequestId, record!.traceparent], ['127.0.0.1', 'curl/8.5.0', 'job-18', traceparent]);
  });

  it('bounds what a caller chooses to send, and leaves out an invalid traceparent', async () => {
    const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, {
      authorization: `Bearer ${ghaToken({ jti: 'j'.repeat(1000), repository: 'r'.repeat(1000), teams: Array.from({ length: 100 }, (_, i) => `team-${i}`) })}`,
      'user-agent': 'u'.repeat(5000),
      'x-request-id': 'i'.repeat(300),
      // Version 00 with an all-zero trace id is invalid (W3C Trace Context §3.2.2.3).
      traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    });
    assert.equal(res.status, 200, res.body);
    for (const r of await recordsOf(res)) {
      assert.equal(r.userAgent, `${'u'.repeat(511)}…`);
      assert.equal(r.callerRequestId, `${'i'.repeat(127)}…`);
      assert.equal(r.traceparent, undefined);
      assert.equal(r.principal?.tokenId, `${'j'.repeat(255)}…`);
      assert.equal(r.principal?.attributes?.repository, `${'r'.repeat(255)}…`);
      assert.equal((r.principal?.attributes?.teams as string[]).length, 32);
    }
  });
});
