import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Identity, TrustedIssuer } from '../../../gateway/generated/gatehouse.config';
import { createIdentityService } from '../../../gateway/identity/identity-service';
import { IdentityConfigError, resolveIssuerSettings } from '../../../gateway/identity/issuer-settings';
import { silentLogger } from '../../../gateway/log';

const base: TrustedIssuer = { issuer: 'https://idp.example.com', audience: 'gatehouse', maxTokenLifetimeSeconds: 3600 };

describe('identity: config checks at load', () => {
  const refused: [string, Partial<TrustedIssuer> | Record<string, unknown>, RegExp][] = [
    ['alg none', { algorithms: ['none'] }, /never accepted/],
    ['HS256', { algorithms: ['RS256', 'HS256'] }, /HS256 is never accepted/],
    ['hs512 in lower case', { algorithms: ['hs512'] }, /never accepted/],
    ['an unknown algorithm', { algorithms: ['RS1'] }, /unknown algorithm RS1/],
    ['an empty algorithm list', { algorithms: [] }, /empty/],
    ['plain http issuer off loopback', { issuer: 'http://idp.example.com' }, /must use https/],
    ['plain http jwksUri off loopback', { jwksUri: 'http://10.0.0.5/jwks' }, /must use https/],
    ['no maximum lifetime', { maxTokenLifetimeSeconds: undefined }, /maxTokenLifetimeSeconds: required/],
    ['no audience', { audience: [] }, /audience: required/],
    ['a negative clock tolerance', { clockToleranceSeconds: -1 }, /clockToleranceSeconds/],
    ['a bad claim path', { claims: { groups: ['a..b'] } }, /claims: invalid claim path/],
  ];
  for (const [name, change, message] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(() => resolveIssuerSettings({ ...base, ...change } as TrustedIssuer, 'identity.issuers[0]'), (err: Error) => {
        assert.ok(err instanceof IdentityConfigError);
        assert.match(err.message, /^identity\.issuers\[0\]/);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('applies defaults: RS256/ES256/EdDSA, 30 s tolerance, exp and iat required, ID tokens refused', () => {
    const s = resolveIssuerSettings(base, 'x');
    assert.deepEqual(s.algorithms, ['RS256', 'ES256', 'EdDSA']);
    assert.equal(s.clockToleranceSeconds, 30);
    assert.deepEqual(s.requiredClaims, ['exp', 'iat']);
    assert.equal(s.rejectIdTokens, true);
    assert.deepEqual(s.audience, ['gatehouse']);
  });

  it('accepts http on loopback (local IdPs, tests)', () => {
    assert.equal(resolveIssuerSettings({ ...base, issuer: 'http://127.0.0.1:8080/realms/ci' }, 'x').issuer, 'http://127.0.0.1:8080/realms/ci');
    assert.ok(resolveIssuerSettings({ ...base, jwksUri: 'http://localhost:9/jwks' }, 'x').jwksUri);
  });

  describe('the service', () => {
    let dataDir: string;
    beforeEach(async () => (dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-identity-'))));
    afterEach(async () => rm(dataDir, { recursive: true, force: true }));

    // jwksUri on a closed loopback port: the service's start-up key prefetch never leaves the machine.
    const local: TrustedIssuer = { ...base, jwksUri: 'http://127.0.0.1:9/jwks' };
    const create = (cfg: Identity) => createIdentityService(cfg, { dataDir, log: silentLogger });

    it('refuses an issuer listed twice', async () => {
      await assert.rejects(create({ issuers: [local, local] }), /listed twice/);
    });
    it('refuses a config with no issuer at all', async () => {
      await assert.rejects(create({ devIssuer: { enabled: false } }), /no trusted issuer/);
    });
    it('refuses a real issuer that reuses the development issuer name', async () => {
      await assert.rejects(create({ devIssuer: { enabled: true, issuer: 'https://idp.example.com' }, issuers: [local] }), /also listed/);
    });
    it('turns the development issuer on by default only when no issuer is listed', async () => {
      const devOnly = await create({});
      assert.ok(devOnly.devIssuer);
      await devOnly.close();
      const real = await create({ issuers: [local] });
      assert.equal(real.devIssuer, undefined);
      assert.deepEqual(real.issuers, ['https://idp.example.com']);
      await real.close();
    });
  });
});
