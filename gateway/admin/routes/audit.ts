import { Router } from 'express';
import { GatehouseError } from '../../errors';
import { badRequest, notWired, type AuditReader } from './admin-deps';

const maxLimit = 1000;

/** GET /audit (filters after, principal, decision, model, limit), GET /audit/verify, GET /audit/:id. */
export function auditRoutes(reader: AuditReader | undefined): Router {
  const router = Router();
  const need = (): AuditReader => {
    if (!reader) throw notWired('The audit log reader');
    return reader;
  };

  router.get('/audit', async (req, res) => {
    const q = req.query;
    const str = (k: string) => (typeof q[k] === 'string' && q[k] !== '' ? (q[k] as string) : undefined);
    const limitText = str('limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw badRequest(`limit must be an integer from 1 to ${maxLimit}.`);
    const decision = str('decision');
    if (decision && !['allow', 'deny', 'require_approval'].includes(decision)) throw badRequest('decision must be allow, deny or require_approval.');
    const filter = { after: str('after'), principal: str('principal'), decision, model: str('model'), limit };
    const result = await need().query(filter);
    const records = Array.isArray(result) ? result : result.records;
    const next = Array.isArray(result) ? undefined : result.next;
    res.json({ data: records, ...(next ? { next } : {}) });
  });

  router.get('/audit/verify', async (_req, res) => {
    res.json(await need().verify());
  });

  router.get('/audit/:id', async (req, res) => {
    const record = await need().get(req.params.id);
    if (record === undefined || record === null) throw new GatehouseError(404, 'ERR_ADMIN_AUDIT_NOT_FOUND', `No audit record ${req.params.id}.`);
    res.json(record);
  });
  return router;
}
