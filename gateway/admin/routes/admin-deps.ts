import { GatehouseError } from '../../errors';
import type { EventLog } from '../event-log';

/** Filters of GET /admin/audit, passed through to the audit reader as given. */
export interface AuditQueryFilter {
  /** Cursor: records after this id (or seq) only. */
  after?: string;
  principal?: string;
  decision?: string;
  model?: string;
  limit: number;
}

/** What the audit routes need of the audit service (gateway/audit/). */
export interface AuditReader {
  query(filter: AuditQueryFilter): unknown[] | { records: unknown[]; next?: string } | Promise<unknown[] | { records: unknown[]; next?: string }>;
  get(id: string): unknown | Promise<unknown>;
  verify(): unknown | Promise<unknown>;
}

/**
 * The parts of the admin API served by other areas. Each is optional: a route whose part is
 * missing answers 501 ERR_ADMIN_NOT_WIRED naming it, so a half-wired gateway says so.
 */
export interface AdminDeps {
  /** Audit queries and verification. Default: rt.audit when it has query/get/verify. */
  audit?: AuditReader;
  /** Replaces the built-in POST /admin/preview/mask (core previewMasking). */
  previewMask?: (input: unknown) => unknown | Promise<unknown>;
  /** Extra facts for GET /admin/policy, merged over the built-in ones (version, files, rule ids). */
  policyInfo?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The event ring behind GET /admin/events; made from rt.events when absent. */
  eventLog?: EventLog;
  /** Heartbeat comment interval of the event stream. Default 15 s. */
  heartbeatMs?: number;
  /** A client whose unsent events pass this many bytes is dropped (it resumes with Last-Event-ID). Default 1 MiB. */
  maxBufferedBytes?: number;
}

export function notWired(what: string): GatehouseError {
  return new GatehouseError(501, 'ERR_ADMIN_NOT_WIRED', `${what} is not available on this gateway.`, { type: 'api_error' });
}

export function badRequest(message: string): GatehouseError {
  return new GatehouseError(400, 'ERR_ADMIN_BAD_REQUEST', message);
}
