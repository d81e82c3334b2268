import express, { type Express, type RequestHandler, type Router } from 'express';
import { GatehouseError, errorBody } from '../errors';
import type { Health, Readiness } from '../core/admin-api';
import type { Runtime } from '../runtime';
import { recordAdmin } from '../admin/admin-record';
import type { GatewayMetrics } from './metrics';

export interface AdminAppParts {
  /** Authenticates admin callers; answers 401 itself. Required: the admin API is never open. */
  requireAdmin: RequestHandler;
  /** The admin API under /admin. */
  adminRouter?: Router;
  /** Extra public routes (e.g. the development issuer's JWKS), mounted before auth. */
  publicRoutes?: Router;
  /** Why the gateway cannot serve right now (empty: ready), e.g. the audit log is not writable. */
  notReady?: () => string[];
}

/**
 * The admin listener: health for probes (open; they reveal nothing), metrics and the admin API
 * (always authenticated). Loopback by default.
 */
export function createAdminApp(rt: Runtime, metrics: GatewayMetrics, parts: AdminAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' } satisfies Health);
  });
  app.get('/readyz', (_req, res) => {
    const reasons = parts.notReady?.() ?? [];
    if (reasons.length) res.status(503).json({ status: 'not ready', reasons, policyVersion: rt.policy.version } satisfies Readiness);
    else res.json({ status: 'ready', policyVersion: rt.policy.version } satisfies Readiness);
  });
  if (parts.publicRoutes) app.use(parts.publicRoutes);
  app.get('/metrics', parts.requireAdmin, async (req, res) => {
    const text = await metrics.registry.metrics();
    // A scrape uses the admin credential like any admin request, so it is on the record too.
    try {
      await recordAdmin(rt.audit, req, res, 200);
    } catch (err) {
      const e = err as GatehouseError;
      return void res.status(e.status).set(e.headers).type('application/json').send(errorBody(e, '-'));
    }
    res.type(metrics.registry.contentType).send(text);
  });
  if (parts.adminRouter) app.use('/admin', parts.requireAdmin, parts.adminRouter);
  app.use((req, res) => {
    const err = new GatehouseError(404, 'ERR_ADMIN_NOT_FOUND', `No admin route ${req.method} ${req.path}.`);
    res.status(404).type('application/json').send(errorBody(err, '-'));
  });
  return app;
}
