import { Router } from 'express';
import { ensureAdminToken } from '../admin/admin-token';
import { requireAdmin } from '../admin/auth';
import { adminRouter } from '../admin/routes';
import { signInRoutes } from '../admin/sign-in-route';
import { createAlertService } from '../alerts/alert-service';
import { createApprovalService } from '../approvals/approval-service';
import { approverSignInDocument } from '../approvals/approver-sign-in';
import { createApproverIdentity } from '../approvals/approver-identity';
import type { LoadedConfig } from '../config/load-config';
import { recordBodyBytes } from '../config/defaults';
import type { Rule } from '../generated/alert-rules';
import { EventBus } from '../events';
import { devIssuerJwksHandler } from '../identity/dev-issuer';
import { createIdentityService } from '../identity/identity-service';
import { approverIssuerCount } from '../identity/issuer-settings';
import { compileMaskingRules } from '../core/masking/compile';
import { maskingPolicyHooks } from '../core/masking/policy-hooks';
import type { CompiledMasking } from '../core/masking/compile';
import { createMaskingService, maskingCompileOptions } from '../masking/masking-service';
import type { Logger } from '../log';
import { createPolicyService } from '../policy/policy-service';
import type { Runtime } from '../runtime';
import { compilePricing } from '../core/usage/pricing';
import { createBudgetService } from '../usage/budget-service';
import { createUsageService } from '../usage/usage-service';
import type { GatewayMetrics } from './metrics';
import type { AdminAppParts } from './admin-app';
import { createAuditService } from '../audit/audit-service';
import { openSharedState, type SharedState } from '../state/shared-state';
import { abandonHeldBy } from '../approvals/abandon-held';
import { fleetAuditView, indexCadenceMs, postgresIndexSink } from '../state/postgres-audit-index';

type Services = Pick<Runtime, 'identity' | 'policy' | 'masking' | 'usage' | 'budgets' | 'audit' | 'approvals' | 'approverIdentity'>;

/**
 * Builds the services of a gateway from its config. This is the one place that knows which
 * implementation backs each seam of the Runtime.
 */
export async function createServices(loaded: LoadedConfig, log: Logger, metrics: GatewayMetrics, options: { migrate?: boolean } = {}): Promise<{ runtime: Services; events: EventBus; admin: AdminAppParts; close(): Promise<void> }> {
  // First: a fleet store that cannot be reached stops the start before anything is opened.
  const state = await openSharedState(loaded, log, options);
  try {
    // Events go through the fleet's fan-out when there is one: an admin client sees every instance's.
    return await createServicesWith(loaded, log, new EventBus(state.fanout), metrics, state);
  } catch (err) {
    await state.close();
    throw err;
  }
}

async function createServicesWith(loaded: LoadedConfig, log: Logger, events: EventBus, metrics: GatewayMetrics, state: SharedState): Promise<{ runtime: Services; events: EventBus; admin: AdminAppParts; close(): Promise<void> }> {
  const adminToken = ensureAdminToken(loaded.dataDir);
  const identity = await createIdentityService(loaded.config.identity, { dataDir: loaded.dataDir, log });
  const maskingOptions = maskingCompileOptions(loaded.config.masking, loaded.configDir);
  const policy = await createPolicyService(loaded.config.policy, { configDir: loaded.configDir, log, events, approverIssuers: approverIssuerCount(loaded.config), counters: state.counters, leaseMs: state.leaseMs, instance: state.instance, ...maskingPolicyHooks(maskingOptions) });
  // A policy without masking rules still gets the default audit masking.
  const noPolicyMasking = compileMaskingRules([], maskingOptions);
  const masking = createMaskingService(loaded.config.masking, {
    getCompiled: () => (policy.compiled?.masking as CompiledMasking | undefined) ?? noPolicyMasking,
    log,
    configDir: loaded.configDir,
    recordBodyBytes: recordBodyBytes(loaded.config.audit),
  });
  // One price table for the records' cost and the spend budgets.
  const prices = compilePricing(loaded.config.pricing);
  const usage = createUsageService(loaded.config.usage, prices, { log, metrics });
  const publicRoutes = Router();
  if (identity.devIssuer) publicRoutes.get('/dev-issuer/jwks.json', devIssuerJwksHandler(identity.devIssuer));
  const pg = state.store === 'postgres' ? state.postgres : undefined;
  const audit = await createAuditService(loaded.config.audit, {
    dataDir: loaded.dataDir, log, events, configDir: loaded.configDir,
    // Each instance keeps its chain on its own disk and feeds the fleet's index, like a sink.
    // A batch per indexCadenceMs: its entries in one insert that also announces them to the others.
    extraSinks: pg ? [{ name: 'postgres-index', transport: (auditDir) => postgresIndexSink(pg, state.instance, auditDir, state.auditNotices), minIntervalMs: indexCadenceMs }] : [],
  });
  // Checked before the approver identity starts fetching keys: a bad sign-in client is a config error.
  publicRoutes.use(signInRoutes(approverSignInDocument(loaded.config.approvals?.approverIdentity)));
  const approverIdentity = await createApproverIdentity(loaded.config, { dataDir: loaded.dataDir, log });
  // In a fleet the approval records, grants and decisions are shared; this instance holds its callers.
  const approvals = createApprovalService(loaded.config.approvals, { log, events, audit, approvals: state.approvals, grants: state.grants, instance: state.instance.id });
  const restored = await approvals.restoreGrants();
  if (restored) log.info('approvals: restored grants from the audit log', { grants: restored });
  const alerts = createAlertService(loaded.config.alerts, {
    log,
    events,
    audit,
    // The running snapshot's array: the same reference until a reload swaps the policy.
    getRules: () => policy.compiled?.alerts as Rule[] | undefined,
    configDir: loaded.configDir,
    // A fleet evaluates every instance's records (the fan-out) and fires each incident once.
    ...(state.alertClaims ? { claim: state.alertClaims } : {}),
    webhookQueue: { queue: state.webhookQueue, ...(state.webhookQueuePollMs ? { pollMs: state.webhookQueuePollMs } : {}), onGivenUp: (webhook) => metrics.webhookGivenUp.inc({ webhook }) },
  });
  // Budgets warn at their alert fractions through the same alerts (and the fleet's claim).
  const budgets = createBudgetService({ counters: state.counters, prices, log, alerts });
  const runtime: Services = { identity, policy, masking, usage, budgets, audit, approvals, ...(approverIdentity ? { approverIdentity } : {}) };
  // Registered once everything it reports on runs; what a vanished instance held is settled here.
  // Requests would only get 503 while the audit log cannot be written (fail closed).
  const notReady = () => [...(audit.stats().healthy ? [] : ['audit log not writable']), ...state.notReady()];
  await state.start(
    { policyVersion: () => policy.version, notReady, announce: (change) => events.emit('instance.changed', change) },
    (gone) => abandonHeldBy(gone, { store: state.approvals, audit, events, log }),
  );
  events.onLocal('policy.reloaded', () => void state.policyChanged().catch((err: Error) => log.warn('fleet: could not report the reloaded policy version', { reason: err.message })));
  // The fleet hears at once that this instance's /readyz changed, not at the next heartbeat.
  const readinessChanged = () => void state.readinessChanged().catch((err: Error) => log.warn('fleet: could not report this instance\'s readiness', { reason: err.message }));
  events.onLocal('audit.failed', readinessChanged);
  events.onLocal('audit.recovered', readinessChanged);
  state.onReloadAsked(() => void policy.reload().catch((err: Error) => log.error('policy reload asked by the fleet failed', { error: err.message })));
  const rt: Runtime = { config: loaded.config, dataDir: loaded.dataDir, configDir: loaded.configDir, log, events, ...runtime };
  return {
    runtime,
    events,
    admin: {
      requireAdmin: requireAdmin(rt, { adminToken }),
      adminRouter: adminRouter(rt, {
        askFleetToReload: () => state.askFleetToReload(),
        ...(pg ? { audit: fleetAuditView(pg, audit) } : {}),
        instances: async () => (await state.listInstances()).map((i) => ({ ...i, self: i.id === state.instance.id })),
      }),
      publicRoutes,
      notReady,
    },
    close: async () => {
      // Held requests are refused first, so nothing waits on the services closing after.
      await approvals.close();
      await alerts.close();
      await Promise.all([identity.close(), policy.close(), approverIdentity?.close()]);
      await audit.close();
      await state.close();
    },
  };
}
