import type { Runtime } from '../runtime';

type Services = Pick<Runtime, 'identity' | 'policy' | 'masking' | 'audit' | 'approvals'>;

/**
 * Services that govern nothing: what `serve --proxy-only` runs with, so the benchmark can tell the
 * cost of forwarding from the cost of identity, policy, masking and audit.
 */
export function passThroughServices(): Services {
  return {
    identity: { verify: () => ({ issuer: 'urn:gatehouse:none', subject: 'anonymous', groups: [] }), close: async () => {} },
    policy: {
      version: 'none',
      decide: () => { throw new Error('no policy engine in --proxy-only'); },
      admit: () => () => {},
      reload: async () => ({ ok: true, version: 'none', errors: [] }),
      close: async () => {},
    },
    masking: { maskRequest: () => {}, responseMasker: () => null },
    audit: { arrival: async () => {}, outcome: () => {}, note: async () => {}, close: async () => {} },
    approvals: { await: async () => {}, close: async () => {} },
  };
}
