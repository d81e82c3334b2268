import { parseStrictJson } from '../core/strict-json';
import { tokenRejection } from './token-rejection';

/**
 * The checks made before any key is looked up, on the unverified token: shape, header
 * parameters and the `iss` claim that picks the trusted issuer. They throw a 401 with the
 * precise reason; nothing here trusts the content, it only refuses early what can never pass.
 */
export interface InspectedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Header parameters that point at keys elsewhere or embed them: never followed, so never accepted. */
const keyPointingHeaders = ['jku', 'x5u', 'jwk', 'x5c'];
/** kid values real IdPs use (base64/base64url, hex, dotted or colon names); no quotes, spaces, `..` or control characters. */
const safeKid = /^[A-Za-z0-9._~+/=:-]{1,256}$/;

export function inspectToken(token: string, tokenHash: string): InspectedToken {
  if (!compactJws.test(token)) throw tokenRejection('ERR_TOKEN_MALFORMED', tokenHash, 'expected three base64url parts (header.payload.signature)');
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  const header = decodePart(token.slice(0, dot1), 'header', tokenHash);

  for (const name of keyPointingHeaders) {
    if (Object.hasOwn(header, name)) throw tokenRejection('ERR_TOKEN_HEADER', tokenHash, `the ${name} header is not accepted`);
  }
  if (Object.hasOwn(header, 'crit')) throw tokenRejection('ERR_TOKEN_HEADER', tokenHash, 'no critical header extensions are supported');
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || /^HS/i.test(alg)) {
    throw tokenRejection('ERR_TOKEN_ALGORITHM', tokenHash, typeof alg === 'string' ? `${safeName(alg)} is never accepted` : 'no alg');
  }
  const kid = header.kid;
  if (kid !== undefined && (typeof kid !== 'string' || !safeKid.test(kid) || kid.includes('..'))) {
    throw tokenRejection('ERR_TOKEN_HEADER', tokenHash, 'the kid header is not a plain key id');
  }

  const payload = decodePart(token.slice(dot1 + 1, dot2), 'payload', tokenHash);
  return { header, payload };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header or payload as a strict reader sees it (RFC 7515 §4, RFC 7519 §7.2): UTF-8, RFC 8259
 * JSON, an object, and no member name twice at any depth. jose parses the same bytes again with
 * JSON.parse, which would keep the last of two `sub` or `exp` members: refusing duplicates here,
 * before any key is looked up, means jose, the claim mapping and the audit all see one value.
 */
function decodePart(part: string, which: 'header' | 'payload', tokenHash: string): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(Buffer.from(part, 'base64url'));
  } catch {
    throw tokenRejection('ERR_TOKEN_MALFORMED', tokenHash, `the ${which} is not UTF-8`);
  }
  const parsed = parseStrictJson(text);
  if (!parsed.ok && parsed.problem === 'duplicate') {
    throw tokenRejection('ERR_TOKEN_MALFORMED', tokenHash, `the ${which} has the member ${memberLabel(parsed.name)} more than once`);
  }
  const value = parsed.ok ? parsed.value : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw tokenRejection('ERR_TOKEN_MALFORMED', tokenHash, `the ${which} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Names from an unverified token reach messages only when they are short plain names. */
function memberLabel(name: string): string {
  return /^[A-Za-z0-9_.:-]{1,32}$/.test(name) ? name : 'a name';
}

/** Unverified header values only reach messages when they are short plain names. */
function safeName(text: string): string {
  return /^[A-Za-z0-9+-]{1,16}$/.test(text) ? text : 'this algorithm';
}
