import { Router } from 'express';
import { approvalErrors } from '../../approvals/approval-errors';
import type { ApprovalState } from '../../approvals/types';
import type { Approval, ApprovalList, Grant, GrantList } from '../../core/admin-api';
import type { ApprovalService, AuditService } from '../../runtime';
import { answerRecorded } from '../admin-record';
import { adminPrincipal } from '../auth';
import { badRequest } from './admin-deps';

const states = new Set(['pending', 'approved', 'denied', 'timeout', 'withdrawn', 'abandoned', 'all']);

/**
 * GET /approvals?state=, GET /approvals/:id, POST /approvals/:id/decision, GET /grants,
 * DELETE /grants/:id. Decisions are made as the authenticated principal: the service refuses
 * self-approval, approvers outside the rule and a second decision.
 */
export function approvalRoutes(service: ApprovalService, audit: Pick<AuditService, 'note'>): Router {
  const router = Router();

  router.get('/approvals', async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : 'pending';
    if (!states.has(state)) throw badRequest(`state must be one of ${[...states].join(', ')}.`);
    const data = await service.list(state as ApprovalState | 'all');
    await answerRecorded(audit, req, res, { data } satisfies ApprovalList, { query: { state }, returned: data.length });
  });

  router.get('/approvals/:id', async (req, res) => {
    const view = await service.get(req.params.id);
    if (!view) throw approvalErrors.notFound(req.params.id);
    await answerRecorded(audit, req, res, view satisfies Approval, { target: req.params.id });
  });

  router.post('/approvals/:id/decision', async (req, res) => {
    const body = (req.body ?? {}) as { decision?: unknown; reason?: unknown };
    if (body.decision !== 'approve' && body.decision !== 'deny') throw badRequest('decision must be "approve" or "deny".');
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 1000)) throw badRequest('reason must be a string of at most 1000 characters.');
    // A refused decision (self-approval, already decided...) is recorded by the router's error path.
    res.locals.adminFacts = { target: req.params.id, verdict: body.decision, reason: body.reason as string | undefined };
    const view = await service.decide(req.params.id, adminPrincipal(res), body.decision, body.reason as string | undefined);
    await answerRecorded(audit, req, res, view satisfies Approval, res.locals.adminFacts);
  });

  router.get('/grants', async (req, res) => {
    const data = await service.listGrants();
    await answerRecorded(audit, req, res, { data } satisfies GrantList, { returned: data.length });
  });

  router.delete('/grants/:id', async (req, res) => {
    res.locals.adminFacts = { target: req.params.id };
    const grant = await service.revokeGrant(req.params.id, adminPrincipal(res));
    await answerRecorded(audit, req, res, grant satisfies Grant, res.locals.adminFacts);
  });
  return router;
}
