import { GatehouseError } from '../errors';

/**
 * A request that needs shared state (limits, approvals, grants) while the store cannot answer:
 * refused, fail closed. The client sees the code and a generic message (a 5xx never shows its
 * cause); the audit record keeps the store and the reason.
 */
export function stateUnavailable(store: string, cause: unknown): GatehouseError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new GatehouseError(503, 'ERR_STATE_UNAVAILABLE', `shared state unavailable (${store}: ${reason})`,
    { cause, headers: { 'retry-after': '1' }, details: { store, reason } });
}

/**
 * A fleet store that is not usable at start-up (unreachable, not migrated): `gatehouse serve`
 * prints the message and exits 2.
 */
export class StateStartError extends Error {
  constructor(readonly code: 'ERR_STATE_UNAVAILABLE' | 'ERR_STATE_SCHEMA', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateStartError';
  }
}

/** A state setting that cannot work (found after load): reported at its config path, exit 2. */
export class StateConfigError extends Error {
  readonly code = 'ERR_CONFIG_STATE';
  constructor(message: string, readonly configPath: string) {
    super(message);
    this.name = 'StateConfigError';
  }
}
