import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFile, stat, writeFile, rename, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JWK, JSONWebKeySet } from 'jose';
import type { CheckpointPayload } from '../core/audit/checkpoint';

/**
 * The gateway's audit signing key (Ed25519), kept as a private JWK in
 * `<dataDir>/audit-signing.jwk.json` (mode 0600, created on first start). Checkpoints are signed
 * synchronously with node:crypto (≈50 µs) so a checkpoint can be chained in order with the
 * records around it; verification uses jose (gateway/core/audit/checkpoint.ts).
 */
export interface SigningKey {
  kid: string;
  publicJwk: JWK;
  /** Compact JWS (EdDSA) over the checkpoint payload. */
  sign(payload: CheckpointPayload): string;
}

export const signingKeyFile = (dataDir: string) => join(dataDir, 'audit-signing.jwk.json');
/** Public keys of every signing key this data dir has used: what `audit verify` checks against by default. */
export const publicKeysFile = (auditDir: string) => join(auditDir, 'signing-keys.jwks.json');

export async function loadOrCreateSigningKey(dataDir: string, auditDir: string): Promise<SigningKey> {
  const file = signingKeyFile(dataDir);
  let jwk: JWK;
  try {
    const st = await stat(file);
    if ((st.mode & 0o077) !== 0) throw new Error(`${file} must be readable by its owner only (mode 0600), is ${(st.mode & 0o777).toString(8)}`);
    jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const { privateKey } = generateKeyPairSync('ed25519');
    jwk = privateKey.export({ format: 'jwk' }) as JWK;
    jwk.kid = thumbprint(jwk);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(jwk) + '\n', { mode: 0o600, flag: 'wx' });
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) throw new Error(`${file} is not an Ed25519 private JWK`);
  const kid = jwk.kid ?? thumbprint(jwk);
  const key: KeyObject = createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
  await rememberPublicKey(auditDir, publicJwk);
  const header = b64url(JSON.stringify({ alg: 'EdDSA', kid, typ: 'gatehouse-checkpoint+jws' }));
  return {
    kid,
    publicJwk,
    sign(payload) {
      const input = `${header}.${b64url(JSON.stringify(payload))}`;
      return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
    },
  };
}

async function rememberPublicKey(auditDir: string, jwk: JWK): Promise<void> {
  const file = publicKeysFile(auditDir);
  let set: JSONWebKeySet = { keys: [] };
  try {
    set = JSON.parse(await readFile(file, 'utf8')) as JSONWebKeySet;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (set.keys.some((k) => k.kid === jwk.kid)) return;
  set.keys.push(jwk);
  await mkdir(auditDir, { recursive: true });
  await writeFile(file + '.tmp', JSON.stringify(set, null, 2) + '\n', { mode: 0o644 });
  await rename(file + '.tmp', file);
}

/** RFC 7638 thumbprint of an OKP key. */
function thumbprint(jwk: JWK): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url');
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}
