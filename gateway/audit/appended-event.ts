import type { GatewayEvents } from '../core/admin-api';
import type { AuditRecord } from '../generated/audit-record';

/** The `audit.appended` event of a durable record: its summary, never a body. */
export function appendedEvent(r: AuditRecord): GatewayEvents['audit.appended'] {
  // One object, its optional members added by name: one per durable record, where spreading a
  // conditional literal made and copied two more.
  const e: GatewayEvents['audit.appended'] = { id: r.id, seq: r.seq, kind: r.kind, principal: r.principal?.subject, decision: r.decision?.action, model: r.model, status: r.status };
  // Only outcomes with usage carry these (and a cost only where a price matched). A number
  // JSON cannot hold (NaN) is null in the line: no value, so none here either.
  if (r.usage && Number.isFinite(r.usage.totalTokens)) e.tokens = r.usage.totalTokens;
  if (r.cost && Number.isFinite(r.cost.amount)) {
    e.cost = r.cost.amount;
    e.costCurrency = r.cost.currency;
  }
  return e;
}
