import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { localAdminPrincipal } from '../core/approvals/approval-record';
import type { CompiledRule } from '../core/policy/compiled-policy';
import type { Principal } from '../core/types';
import { GatehouseError, asGatehouseError, errorBody } from '../errors';
import type { Runtime } from '../runtime';
import { adminRequestId, recordAdmin } from './admin-record';
import { ensureAdminToken } from './admin-token';
import { isListed } from '../core/principal-list';

/**
 * Authenticates every admin request: `Authorization: Bearer <token>` where the token is either
 * the local admin token (`<dataDir>/admin.token`, or opts.adminToken; compared in constant time) or an approver
 * OIDC token verified by `rt.approverIdentity` (a second identity service configured by
 * `approvals.approverIdentity`, typically the callers' issuers with an admin audience).
 * The verified principal is put on `res.locals.principal` and its role on `res.locals.role`;
 * anything else is a 401 in the OpenAI error shape.
 *
 * Roles: the local admin token stands for the owner of the machine the gateway runs on and has
 * the whole API (it may approve any rule, but never a request made by the local admin principal
 * itself). An approver token is an `admin` only when its principal is listed in `server.admins`;
 * otherwise it is an `approver`, kept to what deciding needs (403 elsewhere): approving
 * must not also open the audit log (who sent what) or the policy reload to everyone who can
 * get a token for the admin audience. An approver whom no rule of the running policy names is
 * refused everywhere (403 ERR_ADMIN_NOT_APPROVER, saying why): signing in at the identity
 * provider proves who someone is, not that they approve anything here.
 *
 * A refusal is on the record before it is answered: a 401 as an `auth_failed` record counted
 * into its source's auth-failure summary with the data path's (audit.authFailureRecords), a 403
 * as an `admin` record. An accepted request's own record is written by its route.
 */
export function requireAdmin(rt: Runtime, opts: { adminToken?: string } = {}): RequestHandler {
  const localDigest = digest(opts.adminToken ?? ensureAdminToken(rt.dataDir));

  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
    if (!token) return unauthorized(rt, req, res, 'Send Authorization: Bearer <admin token or approver token>.', 'ERR_ADMIN_UNAUTHENTICATED');
    // Hashing both sides gives equal lengths for timingSafeEqual and leaks nothing about the token's length.
    if (timingSafeEqual(digest(token), localDigest)) {
      res.locals.principal = { ...localAdminPrincipal, groups: [...localAdminPrincipal.groups] } satisfies Principal;
      res.locals.role = 'admin' satisfies AdminRole;
      res.locals.credential = 'admin-token';
      return next();
    }
    if (!rt.approverIdentity) return unauthorized(rt, req, res, 'Invalid admin token.', 'ERR_ADMIN_UNAUTHENTICATED');
    try {
      const principal = await rt.approverIdentity.verify(header);
      res.locals.principal = principal;
      res.locals.role = (isListed(principal, rt.config.server?.admins) ? 'admin' : 'approver') satisfies AdminRole;
    } catch (err) {
      const e = asGatehouseError(err);
      return unauthorized(rt, req, res, e.status === 401 ? e.message : 'Invalid admin token.', e.status === 401 ? e.code : 'ERR_ADMIN_UNAUTHENTICATED');
    }
    const path = req.originalUrl.split('?', 1)[0]!;
    const refusal = adminRole(res) !== 'approver' ? undefined
      : !approverPaths.test(path) ? adminOnly(path)
      : !namesAsApprover(rt.policy.compiled?.rules, res.locals.principal) ? notApprover(res.locals.principal)
      : undefined;
    if (refusal) {
      return recordAdmin(rt.audit, req, res, refusal.status, { errorCode: refusal.code }).then(
        () => sendError(res, refusal),
        (failed: unknown) => sendError(res, asGatehouseError(failed)),
      );
    }
    next();
  };
}

export type AdminRole = 'admin' | 'approver';

/** What an approver may reach: the approvals and grants routes, and the event stream (approval events only). */
const approverPaths = /^\/admin\/(?:approvals|grants)(?:\/|$)|^\/admin\/events\/?$/;

/** 403 for an approver asking for `what`, which only admins may have. */
export function adminOnly(what: string): GatehouseError {
  return new GatehouseError(403, 'ERR_ADMIN_FORBIDDEN',
    `Approver tokens may list and decide approvals and grants and follow approval events; ${what} needs an admin (the local admin token, or a principal listed in server.admins).`);
}

/**
 * Whether a rule of the running policy names the principal as an approver. Anyone the approver
 * identity provider can sign in gets a valid token; only those some rule names may see the
 * pending requests (who asks for what) and grants. Checked per request: a policy reload changes it.
 */
function namesAsApprover(rules: readonly CompiledRule[] | undefined, p: Principal): boolean {
  return (rules ?? []).some((r) => r.approval && isListed(p, r.approval.approvers));
}

/** 403 for a verified approver token whose principal no rule names: the sign-in worked, the role is missing. */
function notApprover(p: Principal): GatehouseError {
  const groups = p.groups.length ? `groups ${p.groups.join(', ')}` : 'no groups';
  return new GatehouseError(403, 'ERR_ADMIN_NOT_APPROVER',
    `${p.subject} (${groups}) is signed in but is not an approver on this gateway: no rule of its policy names this subject or these groups as approvers, and server.admins does not list it. Ask the gateway's admins to add you to an approver group.`);
}

/** The role requireAdmin gave this request. */
export function adminRole(res: Response): AdminRole {
  return res.locals.role === 'admin' ? 'admin' : 'approver';
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

/**
 * Answers 401 once a durable record accounts for it. The record keeps the identity service's
 * reason code (ERR_IDENTITY_EXPIRED ...), the answer says only ERR_ADMIN_UNAUTHENTICATED.
 */
async function unauthorized(rt: Runtime, req: Request, res: Response, message: string, reason: string): Promise<void> {
  const err = new GatehouseError(401, 'ERR_ADMIN_UNAUTHENTICATED', message, { headers: { 'www-authenticate': 'Bearer realm="gatehouse-admin"' } });
  try {
    await rt.audit.rejected({ kind: 'auth_failed', requestId: adminRequestId(res), status: 401, errorCode: reason, source: req.socket.remoteAddress, method: req.method, path: req.originalUrl.split('?', 1)[0]! });
  } catch (failed) {
    return sendError(res, asGatehouseError(failed));
  }
  sendError(res, err);
}

function sendError(res: Response, err: GatehouseError): void {
  res.status(err.status).set(err.headers).set('x-request-id', adminRequestId(res)).type('application/json').send(errorBody(err, adminRequestId(res)));
}
