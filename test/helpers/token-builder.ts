/**
 * Builds JWTs for tests, good and deliberately bad: any header (alg none, jku, crit, odd kids),
 * any claims (missing exp, future iat), signed with RS256/ES256/EdDSA keys, HMAC with any
 * secret (e.g. an RSA public key: the classic algorithm confusion), or not at all. Signing uses
 * node:crypto directly because jose rightly refuses to produce most of these.
 *
 * Example:
 *   const key = generateTestKey('RS256', 'rsa-1');
 *   const token = tokenBuilder({ key, issuer: 'https://idp.test', audience: 'gatehouse' })
 *     .claims({ sub: 'ci-bot', groups: ['ci'] }).lifetime(600).build();
 */
import { createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export type TestAlg = 'RS256' | 'ES256' | 'EdDSA';

export interface TestKey {
  alg: TestAlg;
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK with kid, alg and use, as a JWKS publishes it. */
  publicJwk: JWK;
}

export function generateTestKey(alg: TestAlg, kid: string): TestKey {
  const pair = alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('ed25519');
  const publicJwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, publicJwk };
}

export type Signer = TestKey | { hmacSecret: string | Buffer; alg?: 'HS256' } | 'none' | { rawSignature: string };

export const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

export class TokenBuilder {
  private headerValues: Record<string, unknown>;
  private claimValues: Record<string, unknown>;
  private signer: Signer;

  constructor(options: { key: TestKey; issuer: string; audience: string | string[]; typ?: string }) {
    this.signer = options.key;
    this.headerValues = { alg: options.key.alg, typ: options.typ ?? 'at+jwt', kid: options.key.kid };
    const now = nowSeconds();
    this.claimValues = { iss: options.issuer, sub: 'ci-bot', aud: options.audience, iat: now, exp: now + 600, jti: randomBytes(8).toString('hex') };
  }

  /** Merges header parameters; an `undefined` value removes one. */
  header(values: Record<string, unknown>): this {
    this.headerValues = merge(this.headerValues, values);
    return this;
  }

  /** Merges claims; an `undefined` value removes one. */
  claims(values: Record<string, unknown>): this {
    this.claimValues = merge(this.claimValues, values);
    return this;
  }

  /** iat = now + offset (default 0), exp = iat + seconds. */
  lifetime(seconds: number, iatOffset = 0): this {
    const iat = nowSeconds() + iatOffset;
    return this.claims({ iat, exp: iat + seconds });
  }

  /** Signs with another key (its alg and kid go in the header unless set later). */
  signWith(signer: Signer): this {
    this.signer = signer;
    if (typeof signer === 'object' && 'kid' in signer) this.headerValues = { ...this.headerValues, alg: signer.alg, kid: signer.kid };
    if (typeof signer === 'object' && 'hmacSecret' in signer) this.headerValues = { ...this.headerValues, alg: signer.alg ?? 'HS256' };
    if (signer === 'none') this.headerValues = { ...this.headerValues, alg: 'none' };
    return this;
  }

  /** Encodes the payload as given (for payloads that are not JSON objects, or not UTF-8). */
  rawPayload(text: string | Buffer): this {
    this.claimValues = { [rawMarker]: text };
    return this;
  }

  /**
   * Appends raw JSON member text (e.g. `"\\u0073ub":"admin"`) after the claims: for members a
   * plain object cannot hold twice. Call it last; the signature still covers what is sent.
   */
  appendRawClaims(extra: string | Buffer): this {
    return this.rawPayload(Buffer.concat([Buffer.from(JSON.stringify(this.claimValues).slice(0, -1) + ','), Buffer.from(extra), Buffer.from('}')]));
  }

  /** Appends raw JSON member text after the header parameters (e.g. a second `"alg"`). Call it last. */
  appendRawHeader(extra: string): this {
    this.headerValues = { [rawMarker]: JSON.stringify(this.headerValues).slice(0, -1) + ',' + extra + '}' };
    return this;
  }

  build(): string {
    const encode = (values: Record<string, unknown>) => (rawMarker in values ? b64(values[rawMarker]) : b64(values));
    const input = `${encode(this.headerValues)}.${encode(this.claimValues)}`;
    return `${input}.${signature(this.signer, input)}`;
  }
}

const rawMarker = '__raw_payload__';

function signature(signer: Signer, input: string): string {
  if (signer === 'none') return '';
  if ('rawSignature' in signer) return signer.rawSignature;
  if ('hmacSecret' in signer) return createHmac('sha256', signer.hmacSecret).update(input).digest('base64url');
  const data = Buffer.from(input);
  switch (signer.alg) {
    case 'RS256': return sign('sha256', data, signer.privateKey).toString('base64url');
    case 'ES256': return sign('sha256', data, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    case 'EdDSA': return sign(null, data, signer.privateKey).toString('base64url');
  }
}

function merge(base: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export function tokenBuilder(options: { key: TestKey; issuer: string; audience: string | string[]; typ?: string }): TokenBuilder {
  return new TokenBuilder(options);
}
