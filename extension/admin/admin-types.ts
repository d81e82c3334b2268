import type { ApprovalRequestedEvent } from '../../gateway/core/admin-api';

/**
 * The admin API's shapes are the contract in gateway/core/admin-api.ts (generated from
 * schemas/admin-api.openapi.yaml); import them from there. This file holds only what the views
 * make of them.
 */

/** The fields of an audit record the views show; the full record is fetched on open. */
export interface AuditSummary {
  id: string;
  seq: number;
  kind: string;
  time?: string;
  principal?: string;
  decision?: string;
  model?: string;
  status?: number;
  method?: string;
  path?: string;
  rule?: string;
  /** Total tokens of an outcome, and what they cost. */
  tokens?: number;
  cost?: number;
  costCurrency?: string;
  /** Where the call came from and with what (caller text: shown through displayText). */
  clientAddress?: string;
  userAgent?: string;
}

/**
 * A pending approval as the Pending Approvals view shows it: what the `approval.requested` event
 * carries (the requester by subject), plus when it was requested once read from GET /admin/approvals.
 */
export type PendingApproval = ApprovalRequestedEvent & { requestedAt?: string };
