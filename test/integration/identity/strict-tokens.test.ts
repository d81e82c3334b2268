import assert from 'node:assert/strict';
import { collectEvents, waitFor } from '../../builders/wait-for';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server';
import { rawPost } from '../../helpers/raw-http';
import { generateTestKey, nowSeconds, tokenBuilder, type TestKey } from '../../helpers/token-builder';

const issuer = 'https://idp.strict.test';
const audience = 'gatehouse';
const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };

/**
 * Tokens a strict reader refuses (issue 15 item 2), each correctly signed by a trusted key and
 * otherwise valid, sent through a running gateway whose issuer names no `typ`: a duplicated
 * member (JSON.parse would keep the last one, so the audit would name the forged subject) and
 * JWT kinds that are not access tokens. Each gets 401 with its code, is not forwarded, and the
 * audit record of the refusal does not name the subject the duplicate tried to claim.
 */
describe('identity: tokens a strict reader refuses, through the gateway', () => {
  let key: TestKey;
  let jwks: JwksServer;
  let upstream: FakeUpstream;
  let gateway: TestGateway;

  before(async () => {
    key = generateTestKey('RS256', 'strict-1');
    jwks = await startJwksServer([key.publicJwk]);
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({
      upstreams: [{ name: 'fake', url: upstream.url }],
      identity: { devIssuer: { enabled: false }, issuers: [{ issuer, audience, jwksUri: jwks.url, maxTokenLifetimeSeconds: 3600 }] },
    });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await jwks?.close();
  });
  beforeEach(() => upstream.reset());

  const token = () => tokenBuilder({ key, issuer, audience, typ: 'JWT' }).claims({ sub: 'ci-bot' });

  /** Sends the token; returns the response and the request's audit records once its outcome is durable. */
  async function send(jwt: string) {
    const appended = collectEvents(gateway.runtime.events, ['audit.appended']);
    try {
      const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, { authorization: `Bearer ${jwt}` });
      const requestId = String(res.headers['x-request-id']);
      await waitFor(() => appended.list.some((e) => e.payload.status !== undefined), `the outcome record of ${requestId}`);
      const records = await gateway.runtime.audit.query!({ requestId });
      return { res, records };
    } finally {
      appended.stop();
    }
  }

  it('forwards the same token without the duplicate, and its audit record names the subject (control)', async () => {
    const { res, records } = await send(token().build());
    assert.equal(res.status, 200, res.body);
    assert.equal(upstream.requests.length, 1);
    assert.ok(records.some((r) => r.principal?.subject === 'ci-bot'), JSON.stringify(records));
  });

  const refused: [name: string, build: () => string, code: string][] = [
    ['a duplicated sub', () => token().appendRawClaims('"sub":"forged-admin"').build(), 'ERR_TOKEN_MALFORMED'],
    ['a second sub written as \\u0073ub', () => token().appendRawClaims('"\\u0073ub":"forged-admin"').build(), 'ERR_TOKEN_MALFORMED'],
    ['a duplicated exp (the last one a day later)', () => token().claims({ sub: 'forged-admin' }).appendRawClaims(`"exp":${nowSeconds() + 86_400}`).build(), 'ERR_TOKEN_MALFORMED'],
    ['a duplicated alg in the header', () => token().claims({ sub: 'forged-admin' }).appendRawHeader('"alg":"RS256"').build(), 'ERR_TOKEN_MALFORMED'],
    ['typ dpop+jwt (a DPoP proof, not an access token)', () => token().claims({ sub: 'forged-admin' }).header({ typ: 'dpop+jwt' }).build(), 'ERR_TOKEN_TYPE'],
    ['typ application/secevent+jwt', () => token().claims({ sub: 'forged-admin' }).header({ typ: 'application/secevent+jwt' }).build(), 'ERR_TOKEN_TYPE'],
  ];
  for (const [name, build, code] of refused) {
    it(`answers 401 ${code} to a correctly signed token with ${name}; the audit does not name the forged subject`, async () => {
      const { res, records } = await send(build());
      assert.equal(res.status, 401, res.body);
      assert.match(String(res.headers['www-authenticate']), /^Bearer error="invalid_token"/);
      const body = JSON.parse(res.body) as { error: { code: string; type: string; message: string } };
      assert.equal(body.error.code, code);
      assert.equal(body.error.type, 'authentication_error');
      assert.equal(upstream.requests.length, 0);
      assert.ok(records.length > 0, 'the refusal is audited');
      assert.ok(records.some((r) => JSON.stringify(r).includes(code)), JSON.stringify(records));
      for (const r of records) assert.ok(!JSON.stringify(r).includes('forged-admin'), JSON.stringify(r));
    });
  }

  for (const typ of ['JWT', 'jwt', 'at+jwt', 'application/at+jwt', 'AT+JWT', undefined]) {
    it(`accepts typ ${typ ?? '(absent)'} when the issuer names no typ`, async () => {
      const { res } = await send(token().header({ typ }).build());
      assert.equal(res.status, 200, res.body);
    });
  }
});
