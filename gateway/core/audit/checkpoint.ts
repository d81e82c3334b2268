import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';

/**
 * What a checkpoint signs: "the record at `seq` of chain `chain` has hash `head`", at `time`.
 * The checkpoint record sits at seq + 1 with prev = head; the anchor file holds the latest one.
 */
export interface CheckpointPayload {
  chain: string;
  seq: number;
  head: string;
  time: string;
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
    return { ok: true, payload: parsed as CheckpointPayload, kid };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWKS_NO_MATCHING_KEY') return { ok: false, reason: `signed by an unknown key${kid ? ` (kid ${kid})` : ''}` };
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return { ok: false, reason: 'signature does not verify' };
    return { ok: false, reason: (err as Error).message };
  }
}

/** Public JWKs only: drops private members so a private key file can be passed as --key. */
export function publicKeySet(input: unknown): JSONWebKeySet {
  const list = Array.isArray((input as JSONWebKeySet)?.keys) ? (input as JSONWebKeySet).keys : [input];
  return {
    keys: list
      .filter((k): k is Record<string, unknown> => !!k && typeof k === 'object' && typeof (k as { kty?: unknown }).kty === 'string')
      .map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...pub }) => pub) as JSONWebKeySet['keys'],
  };
}
