import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import type { DevIssuer as DevIssuerConfig } from '../generated/gatehouse.config';

/**
 * The built-in development issuer: an Ed25519 key pair kept in `<dataDir>/dev-issuer.jwk.json`
 * (mode 0600; refused when group or others may read it), which mints short-lived access tokens
 * (`typ: at+jwt`, RFC 9068) for `gatehouse token`, and serves its public key set.
 *
 * The issuer is a name, `urn:gatehouse:dev`, not an address: the gateway verifies these tokens
 * with the local key (no fetch), the admin listener's port is often chosen at start (port 0),
 * and a token must not change meaning with the port the gateway happened to get.
 */
export const devIssuerKeyFile = 'dev-issuer.jwk.json';
export const devIssuerDefaults = { issuer: 'urn:gatehouse:dev', audience: 'gatehouse', maxTtlSeconds: 3600, ttlSeconds: 900 } as const;

export interface MintOptions {
  sub: string;
  groups?: string[];
  /** Seconds; default 900 (15 minutes); at most maxTtlSeconds. */
  ttl?: number;
  /** Audience; default the issuer's audience. */
  aud?: string;
  /** Written as the client_id claim. */
  clientId?: string;
}

export interface DevIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly maxTtlSeconds: number;
  readonly kid: string;
  readonly keyFile: string;
  mint(options: MintOptions): Promise<string>;
  /** The public key set (what /dev-issuer/jwks.json serves). */
  jwks(): JSONWebKeySet;
  /** Verifies a token of this issuer with the local key (signature, iss, aud, exp, typ); no HTTP. */
  verify(token: string): Promise<JWTPayload>;
}

export class DevIssuerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevIssuerError';
  }
}

interface StoredKey extends JWK {
  kid: string;
  d: string;
  x: string;
}

export async function openDevIssuer(dataDir: string, cfg: DevIssuerConfig = {}): Promise<DevIssuer> {
  const keyFile = join(dataDir, devIssuerKeyFile);
  const stored = await loadOrCreateKey(dataDir, keyFile);
  const privateKey: KeyObject = createPrivateKey({ key: { ...stored }, format: 'jwk' });
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: stored.x, kid: stored.kid, alg: 'EdDSA', use: 'sig' };
  const keySet: JSONWebKeySet = { keys: [publicJwk] };
  const localKeys = createLocalJWKSet(keySet);
  const issuer = cfg.issuer ?? devIssuerDefaults.issuer;
  const audience = cfg.audience ?? devIssuerDefaults.audience;
  const maxTtlSeconds = cfg.maxTtlSeconds ?? devIssuerDefaults.maxTtlSeconds;

  return {
    issuer,
    audience,
    maxTtlSeconds,
    kid: stored.kid,
    keyFile,
    async mint(options) {
      const ttl = options.ttl ?? devIssuerDefaults.ttlSeconds;
      if (!options.sub) throw new DevIssuerError('a subject (sub) is required');
      if (!Number.isInteger(ttl) || ttl <= 0) throw new DevIssuerError(`ttl must be a positive number of seconds, got ${ttl}`);
      if (ttl > maxTtlSeconds) throw new DevIssuerError(`ttl ${ttl}s exceeds the development issuer's maximum of ${maxTtlSeconds}s`);
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload = { groups: options.groups ?? [] };
      if (options.clientId) claims.client_id = options.clientId;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: stored.kid })
        .setIssuer(issuer)
        .setSubject(options.sub)
        .setAudience(options.aud ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .setJti(randomBytes(16).toString('base64url'))
        .sign(privateKey);
    },
    jwks: () => structuredClone(keySet),
    async verify(token) {
      const { payload } = await jwtVerify(token, localKeys, {
        issuer, audience, algorithms: ['EdDSA'], typ: 'at+jwt', requiredClaims: ['exp', 'iat'], maxTokenAge: maxTtlSeconds,
      });
      return payload;
    },
  };
}

/** A plain (req, res) handler for the admin listener: `app.get('/dev-issuer/jwks.json', devIssuerJwksHandler(dev))`. */
export function devIssuerJwksHandler(dev: DevIssuer): (req: IncomingMessage, res: ServerResponse) => void {
  const body = JSON.stringify(dev.jwks());
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=60', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}

async function loadOrCreateKey(dataDir: string, keyFile: string): Promise<StoredKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    return await readKey(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { crv: string; x: string; d: string };
  const stored: StoredKey = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d, kid: thumbprint(jwk.x), alg: 'EdDSA', use: 'sig' };
  // Written whole to a private temp file, then linked into place: link() fails if the key file
  // exists, so a concurrent opener (gateway and `gatehouse token` at once) never sees a half-written
  // file, and the first key written wins. 0600 from creation: no window where others can read it.
  const temp = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify({ ...stored, created: new Date().toISOString() }, null, 2) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, keyFile);
    return stored;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readKey(keyFile);
    throw err;
  } finally {
    await unlink(temp);
  }
}

async function readKey(keyFile: string): Promise<StoredKey> {
  const info = await stat(keyFile);
  if ((info.mode & 0o077) !== 0) {
    throw new DevIssuerError(`${keyFile} is readable or writable by group or others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it`);
  }
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    throw new DevIssuerError(`${keyFile} belongs to another user (uid ${info.uid})`);
  }
  let key: Partial<StoredKey>;
  try {
    key = JSON.parse(await readFile(keyFile, 'utf8')) as Partial<StoredKey>;
  } catch {
    throw new DevIssuerError(`${keyFile} is not a JSON key file`);
  }
  if (key.kty !== 'OKP' || key.crv !== 'Ed25519' || typeof key.x !== 'string' || typeof key.d !== 'string') {
    throw new DevIssuerError(`${keyFile} does not hold an Ed25519 private key`);
  }
  return { kty: 'OKP', crv: 'Ed25519', x: key.x, d: key.d, kid: thumbprint(key.x), alg: 'EdDSA', use: 'sig' };
}

/** RFC 7638 JWK thumbprint of an Ed25519 public key. */
function thumbprint(x: string): string {
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
}
