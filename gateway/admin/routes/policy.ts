import { Router } from 'express';
import type { PolicyService } from '../../runtime';
import type { AdminDeps } from './admin-deps';

/**
 * GET /policy — the running policy's version (and whatever policyInfo adds).
 * POST /policy/reload — loads the policy files again; a bad policy never replaces a good one,
 * so a failed reload answers 422 with the errors and the version still running.
 */
export function policyRoutes(policy: PolicyService, policyInfo: AdminDeps['policyInfo']): Router {
  const router = Router();
  router.get('/policy', async (_req, res) => {
    res.json({ version: policy.version, ...(policyInfo ? await policyInfo() : {}) });
  });
  router.post('/policy/reload', async (_req, res) => {
    const result = await policy.reload();
    res.status(result.ok ? 200 : 422).json(result);
  });
  return router;
}
