import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { GatehouseError, asGatehouseError, errorBody } from '../../errors';
import type { Runtime } from '../../runtime';
import { adminRequestId, recordAdmin } from '../admin-record';
import { EventLog } from '../event-log';
import type { AdminDeps } from './admin-deps';
import { approvalRoutes } from './approvals';
import { auditRoutes } from './audit';
import { eventsRoutes } from './events';
import { instanceRoutes } from './instances';
import { policyRoutes } from './policy';
import { previewRoutes } from './preview';
import { sinkRoutes } from './sinks';

export type { AdminDeps } from './admin-deps';

/**
 * The admin API under /admin, behind requireAdmin (see schemas/admin-api.openapi.yaml).
 * Build it once at start: it opens the event ring that GET /events resumes from.
 */
export function adminRouter(rt: Runtime, extra: AdminDeps = {}): Router {
  const router = Router();
  router.use(express.json({ limit: '5mb' }));
  router.use(eventsRoutes(extra.eventLog ?? new EventLog(rt.events), rt.audit, { heartbeatMs: extra.heartbeatMs ?? 15_000, maxBufferedBytes: extra.maxBufferedBytes ?? 1 << 20 }));
  // Reads come from the fleet's index when there is one; the read's own record goes to this instance's chain.
  router.use(auditRoutes(extra.audit ?? rt.audit, rt.audit));
  router.use(approvalRoutes(rt.approvals, rt.audit));
  router.use(policyRoutes(rt.policy, rt.audit, extra.askFleetToReload ?? (async () => {})));
  router.use(instanceRoutes(extra.instances ?? (async () => []), rt.audit));
  router.use(previewRoutes(rt));
  router.use(sinkRoutes(rt.audit));
  router.use((req: Request) => {
    throw new GatehouseError(404, 'ERR_ADMIN_NOT_FOUND', `No admin route ${req.method} ${req.baseUrl}${req.path}.`);
  });
  router.use(async (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let e = bodyParserError(err) ?? asGatehouseError(err);
    if (e.status >= 500 && e.status !== 501) rt.log.error('admin request failed', { method: req.method, path: req.originalUrl, code: e.code, error: String((err as Error)?.message ?? err) });
    if (res.headersSent) return void res.destroy();
    // A refused or failed admin request is on the record too, before its answer (unless the record is what failed).
    if (e.code !== 'ERR_AUDIT_UNAVAILABLE') {
      await recordAdmin(rt.audit, req, res, e.status, { ...(res.locals.adminFacts ?? {}), errorCode: e.code }).catch((failed: unknown) => (e = asGatehouseError(failed)));
    }
    const requestId = adminRequestId(res);
    res.status(e.status).set(e.headers).set('x-request-id', requestId).type('application/json').send(errorBody(e, requestId));
  });
  return router;
}

function bodyParserError(err: unknown): GatehouseError | undefined {
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.parse.failed') return new GatehouseError(400, 'ERR_ADMIN_BAD_JSON', 'The request body is not valid JSON.');
  if (e?.type === 'entity.too.large') return new GatehouseError(413, 'ERR_ADMIN_TOO_LARGE', 'The request body is too large.');
  return undefined;
}
