import type { SignInDocument, SignInGrant } from '../../gateway/core/admin-api';

/** The gateway's path that says how approvers sign in (GET, unauthenticated). */
export const signInDocumentPath = '/.well-known/gatehouse-sign-in';

const grants: readonly SignInGrant[] = ['authorization_code', 'device_code'];

/** A sign-in document that does not say what a client needs. */
export class SignInDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInDocumentError';
  }
}

/**
 * Checks the body of GET /.well-known/gatehouse-sign-in (the contract's SignInDocument): a
 * gateway's answer is input like any other, and a wrong field here would send the user's login
 * somewhere unexpected. Unknown grants are dropped (a newer gateway may offer more); none left
 * is an error. The issuer must be https, or http on a loopback address.
 */
export function parseSignInDocument(body: unknown): SignInDocument {
  const o = body as Partial<Record<keyof SignInDocument, unknown>> | null;
  if (!o || typeof o !== 'object') throw new SignInDocumentError('the sign-in document is not a JSON object');
  const issuer = checkIssuer(o.issuer);
  if (typeof o.clientId !== 'string' || !o.clientId) throw new SignInDocumentError('the sign-in document has no clientId');
  if (!Array.isArray(o.scopes) || !o.scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new SignInDocumentError('the sign-in document\'s scopes are not a list of scope tokens');
  }
  const known = Array.isArray(o.grants) ? grants.filter((g) => (o.grants as unknown[]).includes(g)) : [];
  if (!known.length) throw new SignInDocumentError(`the sign-in document offers none of the grants this extension runs (${grants.join(', ')})`);
  if (o.resource !== undefined && typeof o.resource !== 'string') throw new SignInDocumentError('the sign-in document\'s resource is not a string');
  return {
    issuer, clientId: o.clientId, scopes: o.scopes as string[], grants: known as SignInDocument['grants'],
    ...(o.resource !== undefined ? { resource: o.resource } : {}),
  };
}

/** Whether a URL's host is a loopback address (plain http is allowed there only). */
export function isLoopbackUrl(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
}

function checkIssuer(v: unknown): string {
  let url: URL;
  try {
    url = new URL(String(v));
  } catch {
    throw new SignInDocumentError('the sign-in document\'s issuer is not a URL');
  }
  if (typeof v !== 'string' || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url)))) {
    throw new SignInDocumentError(`the sign-in document's issuer ${String(v)} must use https (plain http only on a loopback address)`);
  }
  return v;
}

/**
 * Reads the gateway's sign-in document (relative to the admin URL, which may carry a path
 * prefix behind a proxy). Undefined when the gateway offers no sign-in (404): the caller falls
 * back to an admin or approver token.
 */
export async function fetchSignInDocument(adminUrl: string, timeoutMs = 15_000): Promise<SignInDocument | undefined> {
  const base = new URL(adminUrl.endsWith('/') ? adminUrl : adminUrl + '/');
  const res = await fetch(new URL(signInDocumentPath.slice(1), base), { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new SignInDocumentError(`${signInDocumentPath} answered ${res.status}`);
  return parseSignInDocument(await res.json());
}
