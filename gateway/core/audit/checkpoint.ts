import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';

/**
 * What a checkpoint signs: "the record at `seq` of chain `chain` has hash `head`", at `time`.
 * The checkpoint record sits at seq + 1 with prev = head; the anchor file holds the latest one.
 *
 * Version 2 (`v: 2`) adds `root`, the RFC 9162 Merkle tree head over records 1..seq
 * (core/audit/merkle.ts), and on a key hand-over `next`, the public key that signs the
 * checkpoints after this one. Version 1 payloads (older logs) have neither and still verify.
 */
export interface CheckpointPayload {
  v?: 2;
  chain: string;
  seq: number;
  head: string;
  time: string;
  root?: string;
  next?: PublicKeyJwk;
}

/** An Ed25519 public key as a checkpoint hands it over. */
export interface PublicKeyJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

/** The anchor: the latest checkpoint exported outside the log (`<dataDir>/audit/anchor.json`, sinks). */
export interface AnchorFile extends CheckpointPayload {
  jws: string;
  kid?: string;
}

export type CheckpointCheck =
  | { ok: true; payload: CheckpointPayload; kid?: string }
  | { ok: false; reason: string };

const algorithms = ['EdDSA', 'Ed25519'];

/**
 * Verifies a checkpoint JWS against a public key set and returns its signed payload.
 * Only the payload is trusted, never the unsigned copies next to it.
 *
 * @example
 * const check = await verifyCheckpointJws(record.checkpoint.jws, { keys: [publicJwk] });
 * if (check.ok && check.payload.head === record.prev) { ... }
 */
export async function verifyCheckpointJws(jws: string, keys: JSONWebKeySet): Promise<CheckpointCheck> {
  let kid: string | undefined;
  if (!isCanonicalCompactJws(jws)) return { ok: false, reason: 'not a compact JWS in canonical base64url' };
  try {
    kid = decodeProtectedHeader(jws).kid;
  } catch {
    return { ok: false, reason: 'not a compact JWS' };
  }
  try {
    const { payload } = await compactVerify(jws, createLocalJWKSet(keys), { algorithms });
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as Partial<CheckpointPayload>;
    if (typeof parsed.seq !== 'number' || typeof parsed.head !== 'string' || typeof parsed.chain !== 'string' || typeof parsed.time !== 'string') {
      return { ok: false, reason: 'signed payload is not a checkpoint' };
    }
    if (parsed.v !== undefined && (parsed.v !== 2 || typeof parsed.root !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.root))) {
      return { ok: false, reason: 'signed payload is not a version 2 checkpoint (v, root)' };
    }
    if (parsed.next !== undefined && !isPublicKeyJwk(parsed.next)) return { ok: false, reason: 'signed hand-over (next) is not an Ed25519 public JWK' };
    return { ok: true, payload: parsed as CheckpointPayload, kid };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWKS_NO_MATCHING_KEY') return { ok: false, reason: `signed by an unknown key${kid ? ` (kid ${kid})` : ''}` };
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return { ok: false, reason: 'signature does not verify' };
    return { ok: false, reason: (err as Error).message };
  }
}

export function isPublicKeyJwk(k: unknown): k is PublicKeyJwk {
  const o = k as Record<string, unknown> | null;
  return !!o && o.kty === 'OKP' && o.crv === 'Ed25519' && typeof o.x === 'string' && typeof o.kid === 'string' && o.d === undefined;
}

/**
 * Checks that each part of a compact JWS is base64url in its one canonical spelling. Decoders
 * ignore the spare low bits of a last character, so without this a changed character in a
 * signature could still verify.
 */
export function isCanonicalCompactJws(jws: string): boolean {
  const parts = jws.split('.');
  return parts.length === 3 && parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p) && Buffer.from(p, 'base64url').toString('base64url') === p);
}

/** Public JWKs only: drops private members so a private key file can be passed as --key; a key listed twice counts once. */
export function publicKeySet(input: unknown): JSONWebKeySet {
  const list = Array.isArray((input as JSONWebKeySet)?.keys) ? (input as JSONWebKeySet).keys : [input];
  const keys = list
    .filter((k): k is Record<string, unknown> => !!k && typeof k === 'object' && typeof (k as { kty?: unknown }).kty === 'string')
    .map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...pub }) => pub) as JSONWebKeySet['keys'];
  // jose refuses a kid that matches two entries; the same key twice is one key.
  const seen = new Set<string>();
  return { keys: keys.filter((k) => !seen.has(`${k.kid}|${k.x ?? k.n ?? ''}`) && !!seen.add(`${k.kid}|${k.x ?? k.n ?? ''}`)) };
}
