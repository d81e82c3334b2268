/**
 * The admin API and event contract: the request and response bodies of the admin listener and
 * the payload of each event on GET /admin/events (and on the gateway's in-process event bus).
 * One source, `schemas/admin-api.openapi.yaml`; the types are generated from its component
 * schemas (`npm run gen:types`, checked in CI by `npm run check:types`). The gateway's routes and
 * event bus and the extension's admin client import them from here, so a field renamed on one
 * side fails the other's typecheck, and test/integration/admin/contract.test.ts checks what a
 * running gateway answers against the same schemas.
 *
 * To change the API: edit the OpenAPI file, run `npm run gen:types`, then fix what no longer
 * typechecks on both sides.
 *
 * @example
 * import type { Approval, GatewayEvents } from '../core/admin-api';
 * const view: Approval = desk.get(id)!;
 * bus.emit('approval.resolved', { id: view.id, state: 'approved' } satisfies GatewayEvents['approval.resolved']);
 */
// Every schema of the contract, by its name in components.schemas (Approval, VerifyReport, GatewayEvents, ...).
export type * from '../generated/admin-api';
/** The records of GET /admin/audit and /admin/audit/{id} (schemas/audit-record.schema.json). */
export type { AuditRecord } from '../generated/audit-record';

import type { GatewayEvents, GapEvent } from '../generated/admin-api';

/** The name of an event of the stream, e.g. `approval.requested`. */
export type GatewayEventName = keyof GatewayEvents;

/**
 * One event as a client of GET /admin/events reads it: its SSE id (to resume with Last-Event-ID),
 * its name and its payload; `gap` comes first when the events since Last-Event-ID are gone.
 *
 * @example
 * const e: AdminEvent = { id: '3f9a1c2e-42', name: 'policy.reloaded', data: { version: 'sha256:ab', files: [] } };
 */
export type AdminEvent =
  | { [K in GatewayEventName]: { id?: string; name: K; data: GatewayEvents[K] } }[GatewayEventName]
  | { id?: string; name: 'gap'; data: GapEvent };
