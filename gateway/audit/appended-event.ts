import type { GatewayEvents } from '../core/admin-api';
import type { AuditRecord } from '../generated/audit-record';

/** The `audit.appended` event of a durable record: its summary, never a body. */
export function appendedEvent(r: AuditRecord): GatewayEvents['audit.appended'] {
  return {
    id: r.id, seq: r.seq, kind: r.kind, principal: r.principal?.subject, decision: r.decision?.action, model: r.model, status: r.status,
    // Only outcomes with usage carry these (and a cost only where a price matched). A number
    // JSON cannot hold (NaN) is null in the line: no value, so none here either.
    ...(r.usage && Number.isFinite(r.usage.totalTokens) ? { tokens: r.usage.totalTokens } : {}),
    ...(r.cost && Number.isFinite(r.cost.amount) ? { cost: r.cost.amount, costCurrency: r.cost.currency } : {}),
  };
}
