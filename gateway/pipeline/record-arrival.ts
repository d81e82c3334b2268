/**
 * Stage: record the arrival.
 *
 * Rules enforced:
 * - a request is not forwarded until its arrival record is durable (written and fdatasync'ed;
 *   group commit lets concurrent requests share one sync);
 * - if the audit log cannot be written the request is refused with 503 ERR_AUDIT_UNAVAILABLE
 *   (fail closed; the service raises `audit.failed`);
 * - only the masked body (x.auditRequestBody) is stored, with the raw body's size and SHA-256.
 *
 * Runs after policy, approval and request masking, right before forwarding.
 */
import { GatehouseError } from '../errors';
import type { Runtime } from '../runtime';
import type { Stage } from './exchange';

export function recordArrival(rt: Runtime): Stage {
  return (x) =>
    rt.audit.arrival(x).catch((err: unknown) => {
      if (err instanceof GatehouseError && err.code === 'ERR_AUDIT_UNAVAILABLE') throw err;
      throw new GatehouseError(503, 'ERR_AUDIT_UNAVAILABLE', 'The audit log cannot be written; the request was not forwarded.', { cause: err, headers: { 'retry-after': '1' } });
    });
}
