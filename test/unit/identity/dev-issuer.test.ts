import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { devIssuerJwksHandler, openDevIssuer } from '../../../gateway/identity/dev-issuer';
import { createIdentityService } from '../../../gateway/identity/identity-service';
import { createLogger } from '../../../gateway/log';

describe('identity: development issuer', () => {
  let dataDir: string;
  beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-dev-issuer-'))));
  afterEach(async () => rm(dataDir, { recursive: true, force: true }));

  it('creates its Ed25519 key with mode 0600 and reuses it', async () => {
    const first = await openDevIssuer(join(dataDir, 'nested'));
    const info = await stat(first.keyFile);
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'nested'))).mode & 0o077, 0, 'data dir not open to others');
    const second = await openDevIssuer(join(dataDir, 'nested'));
    assert.equal(second.kid, first.kid);
    assert.deepEqual(second.jwks(), first.jwks());
    assert.equal(first.jwks().keys[0]!.d, undefined, 'the JWKS holds no private part');
  });

  it('two processes opening at once agree on one key', async () => {
    const [a, b] = await Promise.all([openDevIssuer(dataDir), openDevIssuer(dataDir)]);
    assert.equal(a.kid, b.kid);
  });

  for (const mode of [0o640, 0o604, 0o660]) {
    it(`refuses a key file with mode ${mode.toString(8)}`, async () => {
      const dev = await openDevIssuer(dataDir);
      await chmod(dev.keyFile, mode);
      await assert.rejects(openDevIssuer(dataDir), /readable or writable by group or others.*chmod 600/);
    });
  }

  it('refuses a key file that holds no Ed25519 key', async () => {
    await writeFile(join(dataDir, 'dev-issuer.jwk.json'), '{"kty":"RSA"}', { mode: 0o600 });
    await assert.rejects(openDevIssuer(dataDir), /does not hold an Ed25519 private key/);
  });

  it('mints access tokens it verifies itself, without HTTP', async () => {
    const dev = await openDevIssuer(dataDir);
    const token = await dev.mint({ sub: 'ci-bot', groups: ['ci', 'ml'], ttl: 900, clientId: 'pipeline' });
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'EdDSA', typ: 'at+jwt', kid: dev.kid });
    const claims = await dev.verify(token);
    assert.equal(claims.iss, 'urn:gatehouse:dev');
    assert.equal(claims.aud, 'gatehouse');
    assert.equal(claims.sub, 'ci-bot');
    assert.deepEqual(claims.groups, ['ci', 'ml']);
    assert.equal(claims.client_id, 'pipeline');
    assert.equal(claims.exp! - claims.iat!, 900);
    assert.equal(typeof claims.jti, 'string');
  });

  it('refuses to mint past its maximum lifetime', async () => {
    const dev = await openDevIssuer(dataDir, { maxTtlSeconds: 600 });
    await assert.rejects(dev.mint({ sub: 'x', ttl: 601 }), /exceeds the development issuer's maximum of 600s/);
    await assert.rejects(dev.mint({ sub: '' }), /subject/);
  });

  it('serves its JWKS over HTTP, and remote verifiers accept its tokens', async () => {
    const dev = await openDevIssuer(dataDir);
    const handler = devIssuerJwksHandler(dev);
    const server: Server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev-issuer/jwks.json`;
      const res = await fetch(url);
      assert.equal(res.headers.get('content-type'), 'application/jwk-set+json');
      const body = (await res.json()) as { keys: { kid: string; d?: string }[] };
      assert.equal(body.keys[0]!.kid, dev.kid);
      assert.equal(body.keys[0]!.d, undefined);
      const token = await dev.mint({ sub: 'svc' });
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(url)), { issuer: dev.issuer, audience: 'gatehouse' });
      assert.equal(payload.sub, 'svc');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the service trusts its tokens, maps the principal, and warns at start', async () => {
    const lines: string[] = [];
    const identity = await createIdentityService({ devIssuer: { enabled: true } }, { dataDir, log: createLogger({ write: (l) => lines.push(l) }) });
    try {
      assert.ok(lines.some((l) => /WARN .*development issuer is on/.test(l)), lines.join('\n'));
      const token = await identity.devIssuer!.mint({ sub: 'ci-bot', groups: ['ci'], clientId: 'gh' });
      const principal = await identity.verify(`Bearer ${token}`);
      const claims = decodeJwt(token);
      assert.deepEqual({ ...principal }, {
        issuer: 'urn:gatehouse:dev', subject: 'ci-bot', clientId: 'gh', groups: ['ci'],
        tokenId: claims.jti, expiresAt: claims.exp, tokenHash: principal.tokenHash,
      });
      assert.ok(Object.isFrozen(principal) && Object.isFrozen(principal.groups), 'cached principals are frozen');
      // Second sight: synchronous, from the cache, the very same object.
      const again = identity.verify(`Bearer ${token}`);
      assert.ok(!(again instanceof Promise));
      assert.equal(again, principal);
      assert.equal(identity.cacheSize, 1);
    } finally {
      await identity.close();
    }
  });

  it('a token for another audience is refused', async () => {
    const identity = await createIdentityService({}, { dataDir, log: createLogger({ write: () => {} }) });
    try {
      const token = await identity.devIssuer!.mint({ sub: 'x', aud: 'someone-else' });
      await assert.rejects(async () => identity.verify(`Bearer ${token}`), { code: 'ERR_TOKEN_AUDIENCE' });
    } finally {
      await identity.close();
    }
  });

  it('keeps the key file JSON readable (kty, crv, x, d, kid)', async () => {
    const dev = await openDevIssuer(dataDir);
    const stored = JSON.parse(await readFile(dev.keyFile, 'utf8'));
    assert.deepEqual(Object.keys(stored).sort(), ['alg', 'created', 'crv', 'd', 'kid', 'kty', 'use', 'x']);
  });
});
