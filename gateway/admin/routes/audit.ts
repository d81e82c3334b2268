import { Router } from 'express';
import type { AuditPage, VerifyReport } from '../../core/admin-api';
import { GatehouseError } from '../../errors';
import type { AuditService } from '../../runtime';
import { badRequest } from './admin-deps';

const maxLimit = 1000;

/** GET /audit (filters after, principal, decision, model, limit), GET /audit/verify, GET /audit/:id. */
export function auditRoutes(audit: Pick<AuditService, 'query' | 'get' | 'verify'>): Router {
  const router = Router();

  router.get('/audit', async (req, res) => {
    const q = req.query;
    const str = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
    const limitText = str('limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw badRequest(`limit must be an integer from 1 to ${maxLimit}.`);
    const decision = str('decision');
    if (decision && !['allow', 'deny', 'require_approval'].includes(decision)) throw badRequest('decision must be allow, deny or require_approval.');
    const records = await audit.query({ after: str('after'), principal: str('principal'), decision, model: str('model'), limit });
    res.json({ data: records } satisfies AuditPage);
  });

  router.get('/audit/verify', async (_req, res) => {
    res.json((await audit.verify()) satisfies VerifyReport);
  });

  router.get('/audit/:id', async (req, res) => {
    const record = await audit.get(req.params.id);
    if (record === undefined) throw new GatehouseError(404, 'ERR_ADMIN_AUDIT_NOT_FOUND', `No audit record ${req.params.id}.`);
    res.json(record);
  });
  return router;
}
