import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFile, stat, writeFile, rename, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { JWK, JSONWebKeySet } from 'jose';
import type { CheckpointPayload } from '../core/audit/checkpoint';

/**
 * The gateway's audit signing key (Ed25519), a private JWK in the file `audit.signingKey` names
 * (default `<dataDir>/audit-signing.jwk.json`; mode 0600, created on first start) or in an
 * environment variable. Checkpoints are signed
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

/** Where the key comes from: `audit.signingKey` (a secretRef), else the data dir's default file. */
export type SigningKeySource = { file: string } | { env: string };

/** The key source a config names, with a relative file resolved against the config's folder. */
export function signingKeySource(ref: { file?: string; env?: string } | undefined, dataDir: string, configDir: string): SigningKeySource {
  if (ref?.env) return { env: ref.env };
  return { file: ref?.file ? resolve(configDir, ref.file) : signingKeyFile(dataDir) };
}

export async function loadOrCreateSigningKey(source: SigningKeySource, auditDir: string, env: NodeJS.ProcessEnv = process.env): Promise<SigningKey> {
  let jwk: JWK;
  let where: string;
  if ('env' in source) {
    where = `environment variable ${source.env}`;
    const value = env[source.env];
    if (!value) throw new Error(`audit.signingKey: ${where} is not set`);
    try {
      jwk = JSON.parse(value) as JWK;
    } catch {
      throw new Error(`audit.signingKey: ${where} does not hold a JWK (JSON)`);
    }
  } else {
    const file = (where = source.file);
    try {
      const st = await stat(file);
      if ((st.mode & 0o077) !== 0) throw new Error(`${file} must be readable by its owner only (mode 0600), is ${(st.mode & 0o777).toString(8)}`);
      jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      jwk = generateSigningJwk();
      await writeKeyFile(file, jwk);
    }
  }
  return signingKeyFromJwk(jwk, where, auditDir);
}

/** A new Ed25519 private JWK with its RFC 7638 thumbprint as kid. */
export function generateSigningJwk(): JWK {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  jwk.kid = thumbprint(jwk);
  return jwk;
}

/** Writes a new private key file (mode 0600); refuses to overwrite one. */
export async function writeKeyFile(file: string, jwk: JWK): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(jwk) + '\n', { mode: 0o600, flag: 'wx' });
}

/** The signing key of a private JWK; remembers its public half in the audit dir's key set. */
export async function signingKeyFromJwk(jwk: JWK, where: string, auditDir: string): Promise<SigningKey> {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) throw new Error(`${where} is not an Ed25519 private JWK`);
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
