import { Router } from 'express';
import type { AuditPage, VerifyReport } from '../../core/admin-api';
import { GatehouseError } from '../../errors';
import type { AuditService } from '../../runtime';
import { answerRecorded } from '../admin-record';
import { badRequest } from './admin-deps';

const maxLimit = 1000;

/**
 * GET /audit (filters after, principal, decision, model, kind, limit), GET /audit/verify, GET /audit/:id.
 * Each read is itself recorded (kind admin, see admin-record.ts) before it is answered.
 */
export function auditRoutes(audit: Pick<AuditService, 'query' | 'get' | 'verify'>, recorder: Pick<AuditService, 'note'>): Router {
  const router = Router();

  router.get('/audit', async (req, res) => {
    const q = req.query;
    const str = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
    const limitText = str('limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw badRequest(`limit must be an integer from 1 to ${maxLimit}.`);
    const decision = str('decision');
    if (decision && !['allow', 'deny', 'require_approval'].includes(decision)) throw badRequest('decision must be allow, deny or require_approval.');
    const filter = { after: str('after'), principal: str('principal'), decision, model: str('model'), kind: str('kind') };
    const records = await audit.query({ ...filter, limit });
    const query = Object.fromEntries(Object.entries({ ...filter, limit }).filter(([, v]) => v !== undefined)) as Record<string, string | number>;
    await answerRecorded(recorder, req, res, { data: records } satisfies AuditPage, { query, returned: records.length });
  });

  router.get('/audit/verify', async (req, res) => {
    const report = await audit.verify();
    await answerRecorded(recorder, req, res, report satisfies VerifyReport);
  });

  router.get('/audit/:id', async (req, res) => {
    const record = await audit.get(req.params.id);
    if (record === undefined) throw new GatehouseError(404, 'ERR_ADMIN_AUDIT_NOT_FOUND', `No audit record ${req.params.id}.`);
    await answerRecorded(recorder, req, res, record, { target: req.params.id, returned: 1 });
  });
  return router;
}
