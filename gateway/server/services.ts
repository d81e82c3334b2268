import { Router, type RequestHandler } from 'express';
import { ensureAdminToken, tokenMatches } from '../admin/admin-token';
import type { LoadedConfig } from '../config/load-config';
import { GatehouseError, errorBody } from '../errors';
import type { EventBus } from '../events';
import { devIssuerJwksHandler } from '../identity/dev-issuer';
import { createIdentityService } from '../identity/identity-service';
import { compileMaskingRules } from '../core/masking/compile';
import { createMaskingService, maskingCompileOptions } from '../masking/masking-service';
import type { Logger } from '../log';
import type { Runtime } from '../runtime';
import type { AdminAppParts } from './admin-app';

type Services = Pick<Runtime, 'identity' | 'policy' | 'masking' | 'audit' | 'approvals'>;

/**
 * Builds the services of a gateway from its config. This is the one place that knows which
 * implementation backs each seam of the Runtime.
 */
export async function createServices(loaded: LoadedConfig, log: Logger, events: EventBus): Promise<{ runtime: Services; admin: AdminAppParts; close(): Promise<void> }> {
  void events;
  const adminToken = ensureAdminToken(loaded.dataDir);
  const requireAdmin: RequestHandler = (req, res, next) => {
    const header = req.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    if (tokenMatches(presented, adminToken)) return next();
    const err = new GatehouseError(401, 'ERR_ADMIN_UNAUTHENTICATED', 'The admin API needs a bearer token (the local admin token or an approver token).');
    res.status(401).set('www-authenticate', 'Bearer realm="gatehouse-admin"').type('application/json').send(errorBody(err, '-'));
  };
  const identity = await createIdentityService(loaded.config.identity, { dataDir: loaded.dataDir, log });
  const publicRoutes = Router();
  if (identity.devIssuer) publicRoutes.get('/dev-issuer/jwks.json', devIssuerJwksHandler(identity.devIssuer));
  const runtime: Services = {
    // Foundation slice: policy, masking, audit and approvals land in their own areas.
    identity,
    policy: {
      version: 'none',
      decide: () => { throw new Error('no policy engine'); },
      admit: () => () => {},
      reload: async () => ({ ok: true, version: 'none', errors: [] }),
      close: async () => {},
    },
    // Until the policy service lands, masking runs with no policy rules: the default audit masking only.
    // The policy service will hand its compiled spec.masking snapshot to getCompiled.
    masking: (() => {
      const compiledMasking = compileMaskingRules([], maskingCompileOptions(loaded.config.masking, loaded.configDir));
      return createMaskingService(loaded.config.masking, { getCompiled: () => compiledMasking, log, configDir: loaded.configDir });
    })(),
    audit: { arrival: async () => {}, outcome: () => {}, note: async () => {}, close: async () => {} },
    approvals: { await: async () => {}, close: async () => {} },
  };
  return { runtime, admin: { requireAdmin, publicRoutes }, close: () => identity.close() };
}
