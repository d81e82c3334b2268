import { Router } from 'express';
import type { FleetInstance, InstanceList } from '../../core/admin-api';
import { policyOutliers } from '../../core/fleet/policy-versions';
import type { AuditService } from '../../runtime';
import { answerRecorded } from '../admin-record';

/**
 * GET /instances — the fleet's instances (embedded: this one) with the policy version each runs
 * and its health, a version that differs from the running fleet's flagged (core/fleet/policy-versions.ts).
 */
export function instanceRoutes(instances: () => Promise<Omit<FleetInstance, 'policyDiffers'>[]>, audit: Pick<AuditService, 'note'>): Router {
  const router = Router();
  router.get('/instances', async (req, res) => {
    const list = await instances();
    const outliers = policyOutliers(list);
    const data = list.map((i) => ({ ...i, policyDiffers: outliers.has(i.id) }));
    await answerRecorded(audit, req, res, { data, policyVersionsDiffer: outliers.size > 0 } satisfies InstanceList, { returned: data.length });
  });
  return router;
}
