import type { AuditQuery } from '../../gateway/audit/record-index';
import type { AuditRecord } from '../../gateway/generated/audit-record';
import type { TestGateway } from '../helpers/gateway';
import { nextEvent } from './wait-for';

/**
 * The first audit record matching the query (and `match`), waiting for it on audit.appended
 * events: refusals are recorded when the response closes, after the client has its answer.
 */
export async function auditRecordOf(gateway: TestGateway, query: AuditQuery, match: (r: AuditRecord) => boolean = () => true): Promise<AuditRecord> {
  for (;;) {
    // Listening before looking: a record appended in between is not missed.
    const appended = nextEvent(gateway.runtime.events, 'audit.appended').catch(() => undefined);
    const found = (await gateway.runtime.audit.query!({ limit: 1000, ...query })).find(match);
    if (found) return found;
    await appended;
  }
}

/**
 * The records of all these gateways (a fleet, or one) matching the query, once there are at least `atLeast`
 * (an alert's record is durable a little after its event), waiting on audit.appended events.
 */
export async function recordsOf(gateways: TestGateway[], query: AuditQuery, atLeast = 1): Promise<AuditRecord[]> {
  for (;;) {
    const appended = Promise.race(gateways.map((g) => nextEvent(g.runtime.events, 'audit.appended').catch(() => undefined)));
    const found = (await Promise.all(gateways.map((g) => g.runtime.audit.query!({ limit: 1000, ...query })))).flat();
    if (found.length >= atLeast) return found;
    await appended;
  }
}
