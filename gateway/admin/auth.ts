import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { localAdminPrincipal } from '../approvals/types';
import type { Principal } from '../core/types';
import { GatehouseError, asGatehouseError, errorBody } from '../errors';
import type { Runtime } from '../runtime';
import { ensureAdminToken } from './admin-token';

/**
 * Authenticates every admin request: `Authorization: Bearer <token>` where the token is either
 * the local admin token (`<dataDir>/admin.token`, or opts.adminToken; compared in constant time) or an approver
 * OIDC token verified by `rt.approverIdentity` (a second identity service configured by
 * `approvals.approverIdentity`, typically the callers' issuers with an admin audience).
 * The verified principal is put on `res.locals.principal`; anything else is a 401 in the
 * OpenAI error shape.
 *
 * The local admin token stands for the owner of the machine the gateway runs on: it may
 * approve any rule, but never a request made by the local admin principal itself.
 */
export function requireAdmin(rt: Runtime, opts: { adminToken?: string } = {}): RequestHandler {
  const localDigest = digest(opts.adminToken ?? ensureAdminToken(rt.dataDir));

  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (!token) return unauthorized(res, 'Send Authorization: Bearer <admin token or approver token>.');
    // Hashing both sides gives equal lengths for timingSafeEqual and leaks nothing about the token's length.
    if (timingSafeEqual(digest(token), localDigest)) {
      res.locals.principal = { ...localAdminPrincipal, groups: [...localAdminPrincipal.groups] } satisfies Principal;
      return next();
    }
    if (!rt.approverIdentity) return unauthorized(res, 'Invalid admin token.');
    try {
      res.locals.principal = await rt.approverIdentity.verify(header);
    } catch (err) {
      const e = asGatehouseError(err);
      return unauthorized(res, e.status === 401 ? e.message : 'Invalid admin token.');
    }
    next();
  };
}

/** The principal requireAdmin verified for this request. */
export function adminPrincipal(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new GatehouseError(401, 'ERR_ADMIN_UNAUTHENTICATED', 'Not authenticated.');
  return p;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function unauthorized(res: Response, message: string): void {
  const err = new GatehouseError(401, 'ERR_ADMIN_UNAUTHENTICATED', message);
  res
    .status(401)
    .set('www-authenticate', 'Bearer realm="gatehouse-admin"')
    .type('application/json')
    .send(errorBody(err, String(res.getHeader('x-request-id') ?? '')));
}
