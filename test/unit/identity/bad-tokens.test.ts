import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GatehouseError } from '../../../gateway/errors';
import { createIdentityService, type IdentityServiceHandle } from '../../../gateway/identity/identity-service';
import { createLogger } from '../../../gateway/log';
import { startJwksServer, type JwksServer } from '../../helpers/jwks-server';
import { generateTestKey, nowSeconds, tokenBuilder, type TestKey } from '../../helpers/token-builder';

/**
 * The table of bad tokens: each one is refused with its stable reason code, a 401 with an
 * RFC 6750 challenge, and the token's hash (never the token) in the details. Afterwards, no
 * log line captured during the run holds any of the tokens.
 */
const issuer = 'https://idp.test';
const looseIssuer = 'https://loose.idp.test';
const audience = 'gatehouse';

describe('identity: bad tokens', () => {
  let jwks: JwksServer;
  let identity: IdentityServiceHandle;
  let rsa: TestKey, ec: TestKey, ed: TestKey, stranger: TestKey, rsaOther: TestKey;
  const logLines: string[] = [];
  const seenTokens: string[] = [];

  before(async () => {
    rsa = generateTestKey('RS256', 'rsa-1');
    ec = generateTestKey('ES256', 'ec-1');
    ed = generateTestKey('EdDSA', 'ed-1');
    stranger = generateTestKey('RS256', 'rsa-1'); // same kid as the trusted key, different key
    rsaOther = generateTestKey('RS256', 'rsa-unpublished');
    jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk, ed.publicJwk]);
    identity = await createIdentityService({
      devIssuer: { enabled: false },
      jwks: { cooldownMs: 60_000 },
      issuers: [
        { issuer, audience, jwksUri: jwks.url, maxTokenLifetimeSeconds: 3600, clockToleranceSeconds: 30, typ: 'at+jwt' },
        { issuer: looseIssuer, audience: [audience, 'other-gateway'], jwksUri: jwks.url, maxTokenLifetimeSeconds: 3600, requiredClaims: ['jti'] },
      ],
    }, { dataDir: '/nonexistent-not-used', log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }) });
  });

  after(async () => {
    await identity.close();
    await jwks.close();
  });

  const good = () => tokenBuilder({ key: rsa, issuer, audience });
  const loose = () => tokenBuilder({ key: rsa, issuer: looseIssuer, audience, typ: 'JWT' });
  const rsaPublicPem = () => rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string;
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

  // [name, authorization header (or a function building it), expected code]
  const table: [string, () => string | undefined, string][] = [
    ['no Authorization header', () => undefined, 'ERR_TOKEN_MISSING'],
    ['empty Authorization header', () => '', 'ERR_TOKEN_MISSING'],
    ['Basic scheme', () => 'Basic dXNlcjpwYXNzd29yZA==', 'ERR_TOKEN_MALFORMED'],
    ['Bearer with no token', () => 'Bearer ', 'ERR_TOKEN_MALFORMED'],
    ['a provider API key, not a JWT', () => 'Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123456789', 'ERR_TOKEN_MALFORMED'],
    ['two parts only', () => `Bearer ${good().build().split('.').slice(0, 2).join('.')}`, 'ERR_TOKEN_MALFORMED'],
    ['header not JSON', () => `Bearer ${b64('garbage')}.${b64({ iss: issuer })}.c2ln`, 'ERR_TOKEN_MALFORMED'],
    ['payload a JSON array', () => `Bearer ${good().rawPayload('[1,2]').build()}`, 'ERR_TOKEN_MALFORMED'],
    ['padding in the signature (not base64url)', () => `Bearer ${good().build()}==`, 'ERR_TOKEN_MALFORMED'],
    ['oversized token (> 8 KB), never parsed', () => `Bearer ${'a'.repeat(9000)}`, 'ERR_TOKEN_TOO_LARGE'],
    ['oversized but well-formed token', () => `Bearer ${good().claims({ padding: 'x'.repeat(9000) }).build()}`, 'ERR_TOKEN_TOO_LARGE'],
    ['alg none', () => `Bearer ${good().signWith('none').build()}`, 'ERR_TOKEN_ALGORITHM'],
    ['alg NoNe (case variant)', () => `Bearer ${good().signWith('none').header({ alg: 'NoNe' }).build()}`, 'ERR_TOKEN_ALGORITHM'],
    ['HS256 signed with the RSA public key as secret', () => `Bearer ${good().signWith({ hmacSecret: rsaPublicPem() }).build()}`, 'ERR_TOKEN_ALGORITHM'],
    ['alg missing', () => `Bearer ${good().header({ alg: undefined }).build()}`, 'ERR_TOKEN_ALGORITHM'],
    ['RS512 outside the allow-list', () => `Bearer ${good().header({ alg: 'RS512' }).build()}`, 'ERR_TOKEN_ALGORITHM'],
    ['ES256 header naming the RSA key (alg confusion)', () => `Bearer ${good().header({ alg: 'ES256' }).build()}`, 'ERR_TOKEN_KEY_UNKNOWN'],
    ['unknown kid', () => `Bearer ${good().signWith(rsaOther).build()}`, 'ERR_TOKEN_KEY_UNKNOWN'],
    ['kid with a path', () => `Bearer ${good().header({ kid: '../../../../etc/passwd' }).build()}`, 'ERR_TOKEN_HEADER'],
    ['kid with SQL', () => `Bearer ${good().header({ kid: "x' OR '1'='1" }).build()}`, 'ERR_TOKEN_HEADER'],
    ['kid not a string', () => `Bearer ${good().header({ kid: 42 }).build()}`, 'ERR_TOKEN_HEADER'],
    ['jku pointing elsewhere', () => `Bearer ${good().header({ jku: 'https://attacker.example/jwks.json' }).build()}`, 'ERR_TOKEN_HEADER'],
    ['x5u pointing elsewhere', () => `Bearer ${good().header({ x5u: 'https://attacker.example/cert.pem' }).build()}`, 'ERR_TOKEN_HEADER'],
    ['embedded jwk (signed by the attacker key it carries)', () => `Bearer ${good().signWith(stranger).header({ jwk: stranger.publicJwk }).build()}`, 'ERR_TOKEN_HEADER'],
    ['embedded x5c chain', () => `Bearer ${good().header({ x5c: ['MIIBszCCAVmgAwIBAgIUQ'] }).build()}`, 'ERR_TOKEN_HEADER'],
    ['crit extension', () => `Bearer ${good().header({ crit: ['exp'] }).build()}`, 'ERR_TOKEN_HEADER'],
    ['untrusted issuer', () => `Bearer ${good().claims({ iss: 'https://evil.example' }).build()}`, 'ERR_TOKEN_ISSUER'],
    ['no iss', () => `Bearer ${good().claims({ iss: undefined }).build()}`, 'ERR_TOKEN_ISSUER'],
    ['wrong aud', () => `Bearer ${good().claims({ aud: 'another-api' }).build()}`, 'ERR_TOKEN_AUDIENCE'],
    ['aud list without ours', () => `Bearer ${good().claims({ aud: ['a', 'b'] }).build()}`, 'ERR_TOKEN_AUDIENCE'],
    ['no aud', () => `Bearer ${good().claims({ aud: undefined }).build()}`, 'ERR_TOKEN_AUDIENCE'],
    ['no exp', () => `Bearer ${good().claims({ exp: undefined }).build()}`, 'ERR_TOKEN_CLAIMS'],
    ['exp not a number', () => `Bearer ${good().claims({ exp: 'tomorrow' }).build()}`, 'ERR_TOKEN_CLAIMS'],
    ['no iat', () => `Bearer ${good().claims({ iat: undefined }).build()}`, 'ERR_TOKEN_CLAIMS'],
    ['expired beyond the tolerance', () => `Bearer ${good().lifetime(600, -700).build()}`, 'ERR_TOKEN_EXPIRED'],
    ['nbf in the future', () => `Bearer ${good().claims({ nbf: nowSeconds() + 300 }).build()}`, 'ERR_TOKEN_NOT_YET_VALID'],
    ['iat in the future beyond the tolerance', () => `Bearer ${good().lifetime(600, 120).build()}`, 'ERR_TOKEN_NOT_YET_VALID'],
    ['lifetime over the maximum (exp - iat = 2 h)', () => `Bearer ${good().lifetime(7200).build()}`, 'ERR_TOKEN_LIFETIME'],
    ['issued too long ago (age over the maximum)', () => `Bearer ${good().lifetime(7800, -7200).build()}`, 'ERR_TOKEN_LIFETIME'],
    ['wrong typ where at+jwt is required', () => `Bearer ${good().header({ typ: 'JWT' }).build()}`, 'ERR_TOKEN_TYPE'],
    ['no typ where at+jwt is required', () => `Bearer ${good().header({ typ: undefined }).build()}`, 'ERR_TOKEN_TYPE'],
    ['ID token (nonce) where an access token is required', () => `Bearer ${loose().claims({ nonce: 'n-0S6_WzA2Mj', azp: 'web-app' }).build()}`, 'ERR_TOKEN_TYPE'],
    ['ID token (at_hash) where an access token is required', () => `Bearer ${loose().claims({ at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' }).build()}`, 'ERR_TOKEN_TYPE'],
    ['missing a required claim (jti)', () => `Bearer ${loose().claims({ jti: undefined }).build()}`, 'ERR_TOKEN_CLAIMS'],
    ['no subject', () => `Bearer ${good().claims({ sub: undefined }).build()}`, 'ERR_TOKEN_CLAIMS'],
    ['subject not a string', () => `Bearer ${good().claims({ sub: 12345 }).build()}`, 'ERR_TOKEN_CLAIMS'],
    ['untrusted key under a trusted kid', () => `Bearer ${good().signWith(stranger).build()}`, 'ERR_TOKEN_SIGNATURE'],
    ['tampered payload (sub changed after signing)', () => {
      const [h, , s] = good().build().split('.');
      const forged = good().claims({ sub: 'admin', groups: ['approvers'] }).build().split('.')[1];
      return `Bearer ${h}.${forged}.${s}`;
    }, 'ERR_TOKEN_SIGNATURE'],
    ['truncated signature', () => `Bearer ${good().build().slice(0, -8)}`, 'ERR_TOKEN_SIGNATURE'],
    ['empty signature', () => `Bearer ${good().signWith({ rawSignature: '' }).build()}`, 'ERR_TOKEN_SIGNATURE'],
    ['a duplicated sub claim (JSON.parse would keep the last)', () => `Bearer ${good().appendRawClaims('"sub":"admin"').build()}`, 'ERR_TOKEN_MALFORMED'],
    ['a second sub written as \\u0073ub', () => `Bearer ${good().appendRawClaims('"\\u0073ub":"admin"').build()}`, 'ERR_TOKEN_MALFORMED'],
    ['a duplicated exp claim (a later exp extends the token)', () => `Bearer ${good().appendRawClaims(`"exp":${nowSeconds() + 86_400}`).build()}`, 'ERR_TOKEN_MALFORMED'],
    ['a duplicated member inside a nested claim', () => `Bearer ${good().claims({ realm: { roles: ['dev'] } }).appendRawClaims('"realm":{"roles":["dev"],"roles":["admin"]}').build()}`, 'ERR_TOKEN_MALFORMED'],
    ['a duplicated alg header', () => `Bearer ${good().appendRawHeader('"alg":"RS256"').build()}`, 'ERR_TOKEN_MALFORMED'],
    ['a payload that is not UTF-8 (a lone 0xff byte in a claim)', () => `Bearer ${good().appendRawClaims(Buffer.from([...Buffer.from('"note":"'), 0xff, 0x22])).build()}`, 'ERR_TOKEN_MALFORMED'],
    ['typ dpop+jwt where no typ is configured', () => `Bearer ${loose().header({ typ: 'dpop+jwt' }).build()}`, 'ERR_TOKEN_TYPE'],
    ['typ application/logout+jwt where no typ is configured', () => `Bearer ${loose().header({ typ: 'application/logout+jwt' }).build()}`, 'ERR_TOKEN_TYPE'],
    ['typ text/jwt where no typ is configured', () => `Bearer ${loose().header({ typ: 'text/jwt' }).build()}`, 'ERR_TOKEN_TYPE'],
    ['typ not a string where no typ is configured', () => `Bearer ${loose().header({ typ: 1 }).build()}`, 'ERR_TOKEN_TYPE'],
    ['EdDSA token signed by the ES256 key', () => `Bearer ${tokenBuilder({ key: ec, issuer, audience }).header({ alg: 'EdDSA', kid: ed.kid }).build()}`, 'ERR_TOKEN_SIGNATURE'],
  ];

  for (const [name, authorization, code] of table) {
    it(`refuses ${name} with ${code}`, async () => {
      const header = authorization();
      if (header && header.length > 16) seenTokens.push(header.replace(/^\S+ /, ''));
      // verify throws synchronously for what it refuses before any key lookup, rejects after.
      const err = await (async () => identity.verify(header))().then(
        () => assert.fail('accepted a bad token'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof GatehouseError, `not a GatehouseError: ${err}`);
      assert.equal(err.code, code, err.message);
      assert.equal(err.status, 401);
      assert.equal(err.details.reason, code);
      const challenge = err.headers['www-authenticate'];
      if (code === 'ERR_TOKEN_MISSING') assert.equal(challenge, 'Bearer realm="gatehouse"');
      else assert.match(challenge!, /^Bearer error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"$/);
      const token = header?.replace(/^\S+ ?/, '');
      if (token && code !== 'ERR_TOKEN_TOO_LARGE' && !/^Basic/.test(header!)) {
        assert.equal(err.details.tokenHash, createHash('sha256').update(token).digest('base64url'));
      }
      if (token) assert.ok(!err.message.includes(token) && !JSON.stringify(err.details).includes(token));
    });
  }

  it('has at least 25 rows', () => assert.ok(table.length >= 25, String(table.length)));

  const goodTable: [string, () => string][] = [
    ['RS256', () => good().build()],
    ['ES256', () => good().signWith(ec).build()],
    ['EdDSA', () => good().signWith(ed).build()],
    ['expired within the clock tolerance', () => good().lifetime(600, -610).build()],
    ['audience in a list', () => good().claims({ aud: ['x', audience] }).build()],
    ['second configured audience, no typ on the loose issuer', () => loose().claims({ aud: 'other-gateway' }).build()],
    ['no typ configured, typ absent', () => loose().header({ typ: undefined }).build()],
    ['no typ configured, typ jwt (any case)', () => loose().header({ typ: 'jwt' }).build()],
    ['no typ configured, typ AT+JWT', () => loose().header({ typ: 'AT+JWT' }).build()],
    ['no typ configured, typ application/at+jwt', () => loose().header({ typ: 'application/at+jwt' }).build()],
    ['a claim value equal to another claim name (not a duplicate)', () => good().claims({ note: 'sub', groups: [{ sub: 1 }, { sub: 2 }] }).build()],
  ];
  for (const [name, build] of goodTable) {
    it(`accepts a good token: ${name}`, async () => {
      const token = build();
      seenTokens.push(token);
      const principal = await identity.verify(`Bearer ${token}`);
      assert.equal(principal.subject, 'ci-bot');
      assert.equal(principal.tokenHash, createHash('sha256').update(token).digest('base64url'));
    });
  }

  it('accepts the scheme in any case', async () => {
    const token = good().build();
    seenTokens.push(token);
    assert.equal((await identity.verify(`bearer ${token}`)).subject, 'ci-bot');
  });

  it('wrote no token, nor any part of one, to the log (debug level)', () => {
    assert.ok(logLines.some((l) => l.includes('ERR_TOKEN_SIGNATURE')), 'refusals were logged');
    for (const token of seenTokens) {
      const parts = token.split('.').filter((p) => p.length >= 16);
      for (const line of logLines) {
        assert.ok(!line.includes(token), `a token was logged: ${line.slice(0, 80)}`);
        for (const part of parts) assert.ok(!line.includes(part), `part of a token was logged: ${line.slice(0, 80)}`);
      }
    }
  });
});
