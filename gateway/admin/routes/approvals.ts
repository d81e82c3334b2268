import { Router } from 'express';
import { approvalErrors } from '../../approvals/approval-errors';
import type { ApprovalState } from '../../approvals/types';
import type { Approval, ApprovalList, Grant, GrantList } from '../../core/admin-api';
import type { ApprovalService } from '../../runtime';
import { adminPrincipal } from '../auth';
import { badRequest } from './admin-deps';

const states = new Set(['pending', 'approved', 'denied', 'timeout', 'withdrawn', 'abandoned', 'all']);

/**
 * GET /approvals?state=, GET /approvals/:id, POST /approvals/:id/decision, GET /grants,
 * DELETE /grants/:id. Decisions are made as the authenticated principal: the service refuses
 * self-approval, approvers outside the rule and a second decision.
 */
export function approvalRoutes(service: ApprovalService): Router {
  const router = Router();

  router.get('/approvals', async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : 'pending';
    if (!states.has(state)) throw badRequest(`state must be one of ${[...states].join(', ')}.`);
    res.json({ data: await service.list(state as ApprovalState | 'all') } satisfies ApprovalList);
  });

  router.get('/approvals/:id', async (req, res) => {
    const view = await service.get(req.params.id);
    if (!view) throw approvalErrors.notFound(req.params.id);
    res.json(view satisfies Approval);
  });

  router.post('/approvals/:id/decision', async (req, res) => {
    const body = (req.body ?? {}) as { decision?: unknown; reason?: unknown };
    if (body.decision !== 'approve' && body.decision !== 'deny') throw badRequest('decision must be "approve" or "deny".');
    if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 1000)) throw badRequest('reason must be a string of at most 1000 characters.');
    const view = await service.decide(req.params.id, adminPrincipal(res), body.decision, body.reason as string | undefined);
    res.json(view satisfies Approval);
  });

  router.get('/grants', async (_req, res) => {
    res.json({ data: await service.listGrants() } satisfies GrantList);
  });

  router.delete('/grants/:id', async (req, res) => {
    res.json((await service.revokeGrant(req.params.id, adminPrincipal(res))) satisfies Grant);
  });
  return router;
}
