import type { IncomingMessage } from 'node:http';
import type { Runtime } from '../runtime';
import type { Stage } from './exchange';

/**
 * verify-identity: every request carries a verified, short-lived identity, or goes no further.
 *
 * Rules enforced (by rt.identity, see gateway/identity/identity-service.ts):
 * - the token comes from `Authorization: Bearer <jwt>`; when that header is absent,
 *   `x-api-key: <jwt>` is read instead, because the Anthropic SDKs send their `apiKey` there
 *   (give the SDK the gateway token as its apiKey). A provider key sent there is not a JWT and
 *   is refused.
 * - the token is a JWT from a trusted issuer, signed with an allowed algorithm by a key that
 *   issuer publishes, for our audience, unexpired, no longer-lived than the issuer's maximum;
 * - refusals are 401 with WWW-Authenticate (RFC 6750) and a stable ERR_TOKEN_* code, or 503
 *   ERR_IDENTITY_UNAVAILABLE when the issuer's keys cannot be fetched (fail closed).
 * Sets x.principal. Synchronous when the token is in the verified-token cache.
 * The credential leaves the request once read (`forgetCredential`): nothing after this stage may
 * use it (it never reaches an upstream), and a held or streaming request would keep it otherwise.
 */
export function verifyIdentity(rt: Runtime): Stage {
  const identity = rt.identity;
  return (x) => {
    const headers = x.req.headers;
    let authorization = headers.authorization;
    if (authorization === undefined) {
      const apiKey = headers['x-api-key'];
      if (typeof apiKey === 'string' && apiKey !== '') authorization = 'Bearer ' + apiKey;
    }
    forgetCredential(x.req);
    const result = identity.verify(authorization);
    if (result instanceof Promise) {
      return result.then((principal) => {
        x.principal = principal;
      });
    }
    x.principal = result;
  };
}

/**
 * Drops the caller's token from the request's headers (parsed and raw): a JWT is ≈ 400 B, which
 * every request held for approval or streaming kept to its end. Set to undefined, not deleted:
 * deleting a property would turn the headers object into a slower, larger dictionary.
 */
function forgetCredential(req: IncomingMessage): void {
  const { headers, rawHeaders } = req;
  if (headers.authorization !== undefined) headers.authorization = undefined;
  if (headers['x-api-key'] !== undefined) headers['x-api-key'] = undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if ((name.length === 13 || name.length === 9) && /^(?:authorization|x-api-key)$/i.test(name)) rawHeaders[i + 1] = '';
  }
}
