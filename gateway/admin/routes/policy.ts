import { Router } from 'express';
import type { PolicyInfo, ReloadRequest, ReloadResult } from '../../core/admin-api';
import { badRequest } from './admin-deps';
import type { AuditService, PolicyService } from '../../runtime';
import { answerRecorded } from '../admin-record';

/**
 * GET /policy — the running policy: version, files, rule ids and actions.
 * POST /policy/reload — loads the policy files again; a bad policy never replaces a good one,
 * so a failed reload answers 422 with the errors and the version still running. With
 * {"fleet": true} the other instances are asked to reload too (each reports its own events).
 */
export function policyRoutes(policy: PolicyService, audit: Pick<AuditService, 'note'>, askFleetToReload: () => Promise<void>): Router {
  const router = Router();
  router.get('/policy', async (req, res) => {
    const compiled = policy.compiled;
    const builtIn = compiled
      ? {
          files: compiled.files,
          names: compiled.names,
          defaultAction: compiled.defaultAction,
          rules: compiled.rules.map((r) => ({ id: r.id, action: r.action, ...(r.description ? { description: r.description } : {}), ...(r.approval ? { approval: r.approval } : {}) })),
          alerts: compiled.alerts.length,
        }
      : policy.files
        ? { files: [...policy.files] }
        : {};
    await answerRecorded(audit, req, res, { version: policy.version, ...builtIn } satisfies PolicyInfo);
  });
  router.post('/policy/reload', async (req, res) => {
    const body = (req.body ?? {}) as ReloadRequest;
    if (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((k) => k !== 'fleet') || (body.fleet !== undefined && typeof body.fleet !== 'boolean')) {
      throw badRequest('the body is optional: {"fleet": true} asks every instance of the fleet to reload.');
    }
    // The others first: they reload while this one does.
    if (body.fleet) await askFleetToReload();
    const fromVersion = policy.version;
    const result = await policy.reload();
    await answerRecorded(audit, req, res, result satisfies ReloadResult, { fromVersion, toVersion: policy.version }, result.ok ? 200 : 422);
  });
  return router;
}
