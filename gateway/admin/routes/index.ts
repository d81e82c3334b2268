import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { GatehouseError, asGatehouseError, errorBody } from '../../errors';
import type { Runtime } from '../../runtime';
import { EventLog } from '../event-log';
import type { AdminDeps } from './admin-deps';
import { approvalRoutes } from './approvals';
import { auditRoutes } from './audit';
import { eventsRoutes } from './events';
import { policyRoutes } from './policy';
import { previewRoutes } from './preview';

export type { AdminDeps } from './admin-deps';

/**
 * The admin API under /admin, behind requireAdmin (see schemas/admin-api.openapi.yaml).
 * Build it once at start: it opens the event ring that GET /events resumes from.
 */
export function adminRouter(rt: Runtime, extra: AdminDeps = {}): Router {
  const router = Router();
  router.use(express.json({ limit: '5mb' }));
  router.use(eventsRoutes(extra.eventLog ?? new EventLog(rt.events), { heartbeatMs: extra.heartbeatMs ?? 15_000, maxBufferedBytes: extra.maxBufferedBytes ?? 1 << 20 }));
  router.use(auditRoutes(extra.audit ?? rt.audit));
  router.use(approvalRoutes(rt.approvals));
  router.use(policyRoutes(rt.policy, extra.askFleetToReload ?? (async () => {})));
  router.use(previewRoutes(rt));
  router.use((req: Request) => {
    throw new GatehouseError(404, 'ERR_ADMIN_NOT_FOUND', `No admin route ${req.method} ${req.baseUrl}${req.path}.`);
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = bodyParserError(err) ?? asGatehouseError(err);
    if (e.status >= 500 && e.status !== 501) rt.log.error('admin request failed', { method: req.method, path: req.originalUrl, code: e.code, error: String((err as Error)?.message ?? err) });
    const requestId = String(res.getHeader('x-request-id') ?? randomUUID());
    if (res.headersSent) return void res.destroy();
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
