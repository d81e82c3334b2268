import type { GatewayEvents, GatewayEventName } from '../../gateway/events';

/** The admin API's shapes as the extension reads them (DESIGN.md "Admin API"; schemas/admin-api.openapi.yaml). */

export type { GatewayEvents, GatewayEventName };

/** One event from `GET /admin/events`, with its SSE id (used to resume after a reconnect). */
export type AdminEvent =
  | {
      [K in GatewayEventName]: { id?: string; name: K; data: GatewayEvents[K] };
    }[GatewayEventName]
  /** Sent first when the events since Last-Event-ID are gone (gateway restarted, ring overrun). */
  | { id?: string; name: 'gap'; data: { reason: string; lastEventId?: string } };

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
}

export interface PendingApproval {
  id: string;
  principal: string;
  method: string;
  path: string;
  model?: string;
  rule: string;
  expiresAt: string;
  requestedAt?: string;
}

/** An approval as `GET /admin/approvals[/{id}]` returns it (gateway/approvals/types.ts ApprovalView). */
export interface ApprovalView extends Omit<PendingApproval, 'principal'> {
  principal: string | { issuer: string; subject: string; groups?: string[] };
  state: 'pending' | 'approved' | 'denied' | 'timeout' | 'withdrawn';
  approvals?: { subject: string; at: string; reason?: string }[];
  deniedBy?: { subject: string; at: string; reason?: string };
  reason?: string;
}

export type ApprovalDecision = 'approve' | 'deny';

export interface ChainProblem {
  kind?: string;
  seq?: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  records?: number;
  checkpoints?: number;
  problems: ChainProblem[];
}

export interface PolicyInfo {
  version: string;
  files?: string[];
  loadedAt?: string;
}
