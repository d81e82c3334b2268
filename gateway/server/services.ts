import { Router, type RequestHandler } from 'express';
import { ensureAdminToken, tokenMatches } from '../admin/admin-token';
import type { LoadedConfig } from '../config/load-config';
import { GatehouseError, errorBody } from '../errors';
import type { EventBus } from '../events';
import { devIssuerJwksHandler } from '../identity/dev-issuer';
import { createIdentityService } from '../identity/identity-service';
import { compileMaskingRules } from '../core/masking/compile';
import { maskingPolicyHooks } from '../core/masking/policy-hooks';
import type { CompiledMasking } from '../core/masking/compile';
import { createMaskingService, maskingCompileOptions } from '../masking/masking-service';
import type { Logger } from '../log';
import { createPolicyService } from '../policy/policy-service';
import type { Runtime } from '../runtime';
import type { AdminAppParts } from './admin-app';
import { createAuditService } from '../audit/audit-service';

type Services = Pick<Runtime, 'identity' | 'policy' | 'masking' | 'audit' | 'approvals'>;

/**
 * Builds the services of a gateway from its config. This is the one place that knows which
 * implementation backs each seam of the Runtime.
 */
export async function createServices(loaded: LoadedConfig, log: Logger, events: EventBus): Promise<{ runtime: Services; admin: AdminAppParts; close(): Promise<void> }> {
  const adminToken = ensureAdminToken(loaded.dataDir);
  const requireAdmin: RequestHandler = (req, res, next) => {
    const header = req.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (tokenMatches(presented, adminToken)) return next();
    const err = new GatehouseError(401, 'ERR_ADMIN_UNAUTHENTICATED', 'The admin API needs a bearer token (the local admin token or an approver token).');
    res.status(401).set('www-authenticate', 'Bearer realm="gatehouse-admin"').type('application/json').send(errorBody(err, '-'));
  };
  const identity = await createIdentityService(loaded.config.identity, { dataDir: loaded.dataDir, log });
  const maskingOptions = maskingCompileOptions(loaded.config.masking, loaded.configDir);
  const policy = await createPolicyService(loaded.config.policy, { configDir: loaded.configDir, log, events, ...maskingPolicyHooks(maskingOptions) });
  // A policy without masking rules still gets the default audit masking.
  const noPolicyMasking = compileMaskingRules([], maskingOptions);
  const masking = createMaskingService(loaded.config.masking, {
    getCompiled: () => (policy.compiled?.masking as CompiledMasking | undefined) ?? noPolicyMasking,
    log,
    configDir: loaded.configDir,
  });
  const publicRoutes = Router();
  if (identity.devIssuer) publicRoutes.get('/dev-issuer/jwks.json', devIssuerJwksHandler(identity.devIssuer));
  const audit = await createAuditService(loaded.config.audit, { dataDir: loaded.dataDir, log, events, configDir: loaded.configDir });
  const runtime: Services = {
    identity,
    policy,
    masking,
    audit,
    approvals: { await: async () => {}, close: async () => {} },
  };
  return {
    runtime,
    admin: { requireAdmin, publicRoutes },
    close: async () => {
      await Promise.all([identity.close(), policy.close()]);
      await audit.close();
    },
  };
}
