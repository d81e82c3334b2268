import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { GatehouseError } from '../../../gateway/errors';
import type { Identity } from '../../../gateway/generated/gatehouse.config';
import { createIdentityService, type IdentityServiceHandle } from '../../../gateway/identity/identity-service';
import { createLogger } from '../../../gateway/log';
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidc-provider';

/**
 * Against a real OpenID Connect provider (npm oidc-provider) on loopback: the service finds
 * its keys by discovery, verifies the JWT access tokens it issues by client credentials, and
 * keeps accepting tokens across a key rotation without restart.
 */
describe('identity: real OIDC provider', () => {
  let idp: TestOidcProvider;
  const services: IdentityServiceHandle[] = [];
  const logLines: string[] = [];

  before(async () => {
    idp = await startOidcProvider({ extraClaims: { realm_access: { roles: ['ci', 'deployers'] }, repository: 'acme/app' } });
  });
  after(async () => {
    await Promise.all(services.map((s) => s.close()));
    await idp.close();
  });

  const serviceFor = async (jwks: Identity['jwks'] = {}) => {
    const service = await createIdentityService({
      devIssuer: { enabled: false },
      jwks,
      issuers: [{
        issuer: idp.issuer,
        audience: idp.audience,
        typ: 'at+jwt',
        maxTokenLifetimeSeconds: 3600,
        requiredClaims: ['jti'],
        claims: { groups: ['realm_access.roles'], attributes: { repository: 'repository' } },
      }],
    }, { dataDir: '/unused', log: createLogger({ level: 'debug', write: (l) => logLines.push(l) }) });
    services.push(service);
    return service;
  };

  it('discovers the provider and verifies its client-credentials access tokens', async () => {
    const service = await serviceFor();
    const token = await idp.clientCredentialsToken();
    assert.equal(decodeProtectedHeader(token).typ, 'at+jwt');
    const principal = await service.verify(`Bearer ${token}`);
    const claims = decodeJwt(token);
    assert.deepEqual({ ...principal, groups: [...principal.groups], attributes: { ...principal.attributes } }, {
      issuer: idp.issuer,
      subject: idp.clientId,
      clientId: idp.clientId,
      groups: ['ci', 'deployers'],
      tokenId: claims.jti,
      expiresAt: claims.exp,
      tokenHash: principal.tokenHash,
      attributes: { repository: 'acme/app' },
    });
  });

  it('accepts tokens signed with a rotated key without restart; cached old tokens pass until they expire', async () => {
    const service = await serviceFor({ cooldownMs: 0 });
    const oldToken = await idp.clientCredentialsToken();
    const oldKid = decodeProtectedHeader(oldToken).kid;
    await service.verify(`Bearer ${oldToken}`);

    const newKid = await idp.rotateKeys();
    const newToken = await idp.clientCredentialsToken();
    assert.equal(decodeProtectedHeader(newToken).kid, newKid);
    assert.notEqual(newKid, oldKid);
    const fetchesBefore = idp.jwksRequests;
    assert.equal((await service.verify(`Bearer ${newToken}`)).subject, idp.clientId);
    assert.ok(idp.jwksRequests > fetchesBefore, 'the unknown kid made the service refetch the JWKS');

    // The old token: straight from the cache, synchronously.
    const cached = service.verify(`Bearer ${oldToken}`);
    assert.ok(!(cached instanceof Promise), 'a cached token is answered synchronously');
    assert.equal(cached.subject, idp.clientId);

    // Retire the old key altogether: the cached old token still passes until its exp,
    // while a service that never saw it refuses it (the key is gone).
    await idp.rotateKeys({ dropOld: true });
    const stillCached = service.verify(`Bearer ${oldToken}`);
    assert.ok(!(stillCached instanceof Promise));
    const fresh = await serviceFor({ cooldownMs: 0 });
    const err = await (async () => fresh.verify(`Bearer ${oldToken}`))().then(() => assert.fail('accepted a token whose key is gone'), (e: unknown) => e);
    assert.ok(err instanceof GatehouseError);
    assert.equal(err.code, 'ERR_TOKEN_KEY_UNKNOWN');
  });

  it('refuses a provider token for another audience', async () => {
    const service = await createIdentityService({
      devIssuer: { enabled: false },
      issuers: [{ issuer: idp.issuer, audience: 'some-other-api', maxTokenLifetimeSeconds: 3600 }],
    }, { dataDir: '/unused', log: createLogger({ write: (l) => logLines.push(l) }) });
    services.push(service);
    await assert.rejects(async () => service.verify(`Bearer ${await idp.clientCredentialsToken()}`), { code: 'ERR_TOKEN_AUDIENCE' });
  });

  it('refuses provider tokens that live longer than the configured maximum', async () => {
    const service = await createIdentityService({
      devIssuer: { enabled: false },
      issuers: [{ issuer: idp.issuer, audience: idp.audience, maxTokenLifetimeSeconds: 300 }],
    }, { dataDir: '/unused', log: createLogger({ write: (l) => logLines.push(l) }) });
    services.push(service);
    await assert.rejects(async () => service.verify(`Bearer ${await idp.clientCredentialsToken()}`), { code: 'ERR_TOKEN_LIFETIME' });
  });

  it('logged no provider token', () => {
    for (const line of logLines) assert.doesNotMatch(line, /eyJ[\w-]{10,}\.eyJ/);
  });
});
