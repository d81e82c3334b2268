import { Router } from 'express';
import type { SignInDocument } from '../core/admin-api';
import { GatehouseError, errorBody } from '../errors';

export const signInPath = '/.well-known/gatehouse-sign-in';

/**
 * GET /.well-known/gatehouse-sign-in, unauthenticated: what a client needs to sign an approver in
 * (issuer, public client id, scopes, grants), so the user types only the admin URL. 404 when no
 * sign-in client is configured (approvals.approverIdentity.client).
 */
export function signInRoutes(doc: SignInDocument | undefined): Router {
  const router = Router();
  router.get(signInPath, (_req, res) => {
    if (doc) return void res.json(doc satisfies SignInDocument);
    const err = new GatehouseError(404, 'ERR_ADMIN_SIGN_IN_UNAVAILABLE',
      'This gateway offers no sign-in (approvals.approverIdentity.client is not configured); connect with an admin or approver token.');
    res.status(404).type('application/json').send(errorBody(err, '-'));
  });
  return router;
}
