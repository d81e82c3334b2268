import type { FleetInstance } from '../../core/admin-api';
import { GatehouseError } from '../../errors';
import type { AuditService } from '../../runtime';
import type { EventLog } from '../event-log';

/** Settings of the admin router that tests change; the services come from the Runtime. */
export interface AdminDeps {
  /** The event ring behind GET /admin/events; made from rt.events when absent. */
  eventLog?: EventLog;
  /** Heartbeat comment interval of the event stream. Default 15 s. */
  heartbeatMs?: number;
  /** A client whose unsent events pass this many bytes is dropped (it resumes with Last-Event-ID). Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Asks the other instances of the fleet to reload their policy (POST /admin/policy/reload {"fleet": true}); none when absent. */
  askFleetToReload?: () => Promise<void>;
  /** What GET /admin/audit reads: the fleet's index when state.store is postgres; rt.audit when absent. */
  audit?: Pick<AuditService, 'query' | 'get' | 'verify'>;
  /** The fleet's instances for GET /admin/instances (embedded: this one); none when absent. */
  instances?: () => Promise<Omit<FleetInstance, 'policyDiffers'>[]>;
}

export function badRequest(message: string): GatehouseError {
  return new GatehouseError(400, 'ERR_ADMIN_BAD_REQUEST', message);
}
