import assert from 'node:assert/strict';
import { GatehouseError } from '../../../gateway/errors';
import type { Identity } from '../../../gateway/generated/gatehouse.config';
import { createIdentityService, type IdentityServiceHandle } from '../../../gateway/identity/identity-service';
import { createLogger } from '../../../gateway/log';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server';
import { generateTestKey, tokenBuilder, type TestKey } from '../../helpers/token-builder';

/** Key fetching: rotation without restart, the refetch cooldown, and failing closed when keys cannot be had. */
describe('identity: issuer keys', () => {
  let jwks: JwksServer;
  let identity: IdentityServiceHandle | undefined;
  let k1: TestKey, k2: TestKey;
  const logLines: string[] = [];

  beforeEach(async () => {
    k1 = generateTestKey('ES256', 'k1');
    k2 = generateTestKey('ES256', 'k2');
    jwks = await startJwksServer([k1.publicJwk]);
  });
  afterEach(async () => {
    await identity?.close();
    identity = undefined;
    await jwks.close();
  });

  const start = async (issuer: Partial<NonNullable<Identity['issuers']>[number]>, keyOptions: Identity['jwks'] = {}) => {
    identity = await createIdentityService({
      devIssuer: { enabled: false },
      jwks: keyOptions,
      issuers: [{ issuer: 'https://idp.test', audience: 'gatehouse', jwksUri: jwks.url, maxTokenLifetimeSeconds: 3600, ...issuer }],
    }, { dataDir: '/unused', log: createLogger({ level: 'debug', write: (l) => logLines.push(l) }) });
    return identity;
  };
  const token = (key: TestKey, issuer = 'https://idp.test') => tokenBuilder({ key, issuer, audience: 'gatehouse' }).build();
  const refusal = async (service: IdentityServiceHandle, bearer: string) => {
    const err = await (async () => service.verify(`Bearer ${bearer}`))().then(() => assert.fail('accepted'), (e: unknown) => e);
    assert.ok(err instanceof GatehouseError);
    return err;
  };

  it('accepts a token signed with a rotated-in key without restart (unknown kid refetches)', async () => {
    const service = await start({}, { cooldownMs: 0 });
    assert.equal((await service.verify(`Bearer ${token(k1)}`)).subject, 'ci-bot');
    const before = jwks.fetches;
    jwks.keys = [k2.publicJwk, k1.publicJwk];
    assert.equal((await service.verify(`Bearer ${token(k2)}`)).subject, 'ci-bot');
    assert.equal(jwks.fetches, before + 1);
  });

  it('refetches at most once per cooldown: an unknown kid inside it is refused without a fetch', async () => {
    const service = await start({}, { cooldownMs: 60_000 });
    await service.verify(`Bearer ${token(k1)}`);
    const before = jwks.fetches;
    jwks.keys = [k2.publicJwk, k1.publicJwk];
    for (let i = 0; i < 5; i++) assert.equal((await refusal(service, token(k2))).code, 'ERR_TOKEN_KEY_UNKNOWN');
    assert.equal(jwks.fetches, before, `fetched ${jwks.fetches - before} more times inside the cooldown`);
  });

  it('fails closed with 503 ERR_IDENTITY_UNAVAILABLE and Retry-After when the JWKS endpoint errors', async () => {
    jwks.mode = 'fail';
    const service = await start({});
    const err = await refusal(service, token(k1));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'ERR_IDENTITY_UNAVAILABLE');
    assert.match(err.headers['retry-after']!, /^\d+$/);
    assert.equal(err.headers['www-authenticate'], undefined);
    assert.ok(logLines.some((l) => /WARN .*ERR_IDENTITY_UNAVAILABLE/.test(l)));
  });

  it('fails closed within the timeout when the JWKS endpoint hangs', async () => {
    jwks.mode = 'hang';
    const service = await start({}, { timeoutMs: 300 });
    const t0 = Date.now();
    const err = await refusal(service, token(k1));
    assert.equal(err.code, 'ERR_IDENTITY_UNAVAILABLE');
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  });

  it('recovers once the JWKS endpoint is back', async () => {
    jwks.mode = 'fail';
    const service = await start({}, { cooldownMs: 0 });
    assert.equal((await refusal(service, token(k1))).code, 'ERR_IDENTITY_UNAVAILABLE');
    jwks.mode = 'ok';
    assert.equal((await service.verify(`Bearer ${token(k1)}`)).subject, 'ci-bot');
  });

  it('finds the JWKS by discovery when no jwksUri is given', async () => {
    const service = await start({ issuer: jwks.base, jwksUri: undefined });
    assert.equal((await service.verify(`Bearer ${token(k1, jwks.base)}`)).issuer, jwks.base);
  });

  it('refuses a discovery document naming another issuer (OIDC Discovery §4.3)', async () => {
    jwks.discoveryIssuer = 'https://impostor.example';
    const service = await start({ issuer: jwks.base, jwksUri: undefined });
    const err = await refusal(service, token(k1, jwks.base));
    assert.equal(err.code, 'ERR_IDENTITY_UNAVAILABLE');
    assert.match(String((err.cause as Error).message), /names issuer "https:\/\/impostor.example"/);
  });

  it('shares one verification among concurrent requests with the same new token', async () => {
    const service = await start({});
    const bearer = `Bearer ${token(k1)}`;
    const results = [service.verify(bearer), service.verify(bearer), service.verify(bearer)];
    assert.ok(results.every((r) => r instanceof Promise));
    assert.equal(results[0], results[1]);
    const principals = await Promise.all(results);
    assert.equal(principals[0], principals[2]);
  });
});
