import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { runCli, startServe } from '../../helpers/cli';
import { FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider';
import { rawPost } from '../../helpers/raw-http';
import { generateTestKey, tokenBuilder } from '../../helpers/token-builder';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };

/** Identity through a running gateway: what SDK users see when a token is good or bad. */
describe('identity: through the gateway', () => {
  let upstream: FakeUpstream;
  let gateway: TestGateway;

  before(async () => {
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({ upstreams: [{ name: 'fake', url: upstream.url }] });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
  });
  beforeEach(() => upstream.reset());

  it('passes a development-issuer token through the openai SDK', async () => {
    const client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await gateway.token({ sub: 'ci-bot', groups: ['ci'] }), maxRetries: 0 });
    const answer = await client.chat.completions.create(chat);
    assert.equal(answer.choices[0]!.message.content, 'echo: hello');
    assert.equal(upstream.requests.length, 1);
  });

  const refused: [string, () => Promise<Record<string, string>>, string, RegExp][] = [
    ['no token', async () => ({}), 'ERR_TOKEN_MISSING', /^Bearer realm="gatehouse"$/],
    ['a provider key', async () => ({ authorization: 'Bearer sk-proj-0123456789abcdef' }), 'ERR_TOKEN_MALFORMED', /^Bearer error="invalid_token", error_description="The token is not a well-formed JWT/],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await gateway.token({ aud: 'elsewhere' })}` }), 'ERR_TOKEN_AUDIENCE', /error="invalid_token"/],
    ['a token signed by a stranger', async () => {
      const stranger = generateTestKey('EdDSA', 'stranger');
      return { authorization: `Bearer ${tokenBuilder({ key: stranger, issuer: 'urn:gatehouse:dev', audience: 'gatehouse' }).build()}` };
    }, 'ERR_TOKEN_KEY_UNKNOWN', /error="invalid_token"/],
    ['a provider key in x-api-key (Anthropic SDK style)', async () => ({ 'x-api-key': 'sk-ant-api03-secret' }), 'ERR_TOKEN_MALFORMED', /error="invalid_token"/],
  ];
  for (const [name, headers, code, challenge] of refused) {
    it(`answers 401 ${code} for ${name}, in the OpenAI error shape, without forwarding`, async () => {
      const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, await headers());
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), challenge);
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
      const body = JSON.parse(res.body) as { error: { message: string; type: string; code: string; param: null } };
      assert.equal(body.error.code, code);
      assert.equal(body.error.type, 'authentication_error');
      assert.equal(typeof body.error.message, 'string');
      assert.equal(upstream.requests.length, 0);
    });
  }

  it('gives SDK users the reason: the openai SDK raises AuthenticationError with the code', async () => {
    const token = await gateway.token();
    const tampered = `${token.slice(0, -6)}AAAAAA`;
    const client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: tampered, maxRetries: 0 });
    const err = await client.chat.completions.create(chat).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof OpenAI.AuthenticationError, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.code, 'ERR_TOKEN_SIGNATURE');
  });

  it('serves the development issuer JWKS on the admin listener, without the private key', async () => {
    const res = await fetch(`${gateway.adminUrl}/dev-issuer/jwks.json`);
    assert.equal(res.status, 200);
    const { keys } = (await res.json()) as { keys: Record<string, string>[] };
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.crv, 'Ed25519');
    assert.equal(keys[0]!.d, undefined);
  });

  it('logged none of the tokens it saw', async () => {
    const token = await gateway.token();
    await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, { authorization: `Bearer ${token.slice(0, -4)}` });
    assert.ok(gateway.logLines.some((l) => l.includes('ERR_TOKEN_SIGNATURE')));
    for (const line of gateway.logLines) assert.doesNotMatch(line, /eyJ[\w-]{10,}\.eyJ/, line);
  });
});

describe('identity: a production config (real issuer, development issuer off)', () => {
  let idp: TestOidcProvider;
  let upstream: FakeUpstream;
  let gateway: TestGateway;

  before(async () => {
    idp = await startOidcProvider();
    upstream = await new FakeUpstream().start();
    gateway = await startGateway({
      upstreams: [{ name: 'fake', url: upstream.url }],
      identity: { devIssuer: { enabled: false }, issuers: [{ issuer: idp.issuer, audience: idp.audience, typ: 'at+jwt', maxTokenLifetimeSeconds: 3600 }] },
    });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.stop();
    await idp?.close();
  });

  it('accepts the provider token through the openai SDK and refuses development tokens', async () => {
    const client = new OpenAI({ baseURL: `${gateway.dataUrl}/v1`, apiKey: await idp.clientCredentialsToken(), maxRetries: 0 });
    assert.equal((await client.chat.completions.create(chat)).choices[0]!.message.content, 'echo: hello');

    const dev = await startGateway({ upstreams: [{ name: 'fake', url: upstream.url }] });
    let devToken: string;
    try {
      devToken = await dev.token();
    } finally {
      await dev.close();
    }
    const res = await rawPost(`${gateway.dataUrl}/v1/chat/completions`, chat, { authorization: `Bearer ${devToken}` });
    assert.equal(res.status, 401);
    assert.equal(JSON.parse(res.body).error.code, 'ERR_TOKEN_ISSUER');
    assert.equal((await fetch(`${gateway.adminUrl}/dev-issuer/jwks.json`)).status, 404);
  });
});

describe('identity: gatehouse token with gatehouse serve', function () {
  // Several `gatehouse` processes start one after another: 5–10 s at load 10 here, so room for a slower CI machine.
  this.timeout(60_000);
  it('a token printed by the CLI passes the gateway started on the same data dir, and the start-up warns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-token-serve-'));
    try {
      const minted = await runCli(['token', '--sub', 'ci-bot', '--groups', 'ci', '--ttl', '15m', '--data-dir', join(dir, 'data')]);
      assert.equal(minted.code, 0, minted.stderr);
      const serve = await startServe(['--port', '0', '--admin-port', '0', '--data-dir', join(dir, 'data')], { cwd: dir });
      try {
        assert.match(serve.stderr(), /WARN .*development issuer is on/);
        const client = new OpenAI({ baseURL: `${serve.dataUrl}/v1`, apiKey: minted.stdout.trim(), maxRetries: 0 });
        assert.equal((await client.models.list()).data[0]!.id, 'demo-echo');
      } finally {
        assert.equal(await serve.stop(), 0);
      }
      const usage = await runCli(['token', '--ttl', '15m']);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--sub is required/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
