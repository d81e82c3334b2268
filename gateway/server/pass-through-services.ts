import { approvalErrors } from '../approvals/approval-errors';
import type { Runtime } from '../runtime';
import { noBudgets, noUsage } from '../usage/usage-service';

type Services = Pick<Runtime, 'identity' | 'policy' | 'masking' | 'usage' | 'budgets' | 'audit' | 'approvals'>;

/**
 * Services that govern nothing: what `serve --proxy-only` runs with, so the benchmark can tell the
 * cost of forwarding from the cost of identity, policy, masking and audit. They record nothing
 * and hold nothing, so their admin side is empty (the admin listener serves the real services).
 */
export function passThroughServices(): Services {
  return {
    identity: { verify: () => ({ issuer: 'urn:gatehouse:none', subject: 'anonymous', groups: [] }), close: async () => {} },
    policy: {
      version: 'none',
      decide: () => { throw new Error('no policy engine in --proxy-only'); },
      admit: () => () => {},
      admitWith: () => ({ release: () => {} }),
      reload: async () => ({ ok: true, version: 'none', errors: [] }),
      close: async () => {},
    },
    masking: { maskRequest: () => ({ auditBody: undefined, report: [] }), responseMasker: () => null },
    usage: noUsage,
    budgets: noBudgets,
    audit: {
      arrival: async () => {},
      outcome: () => {},
      rejected: async () => {},
      note: async () => {},
      close: async () => {},
      query: async () => [],
      get: async () => undefined,
      verify: async () => ({ records: { total: 0, valid: 0 }, checkpoints: { total: 0, valid: 0 }, findings: [] }),
      lag: () => ({}),
      resetSink: async () => undefined,
      stats: () => ({ records: 0, syncs: 0, bytes: 0, failures: 0 }),
    },
    approvals: {
      hold: async () => ({}),
      pendingCount: 0,
      list: async () => [],
      get: async () => undefined,
      decide: async (id) => { throw approvalErrors.notFound(id); },
      listGrants: async () => [],
      restoreGrants: async () => 0,
      revokeGrant: async (id) => { throw approvalErrors.grantNotFound(id); },
      close: async () => {},
    },
  };
}
