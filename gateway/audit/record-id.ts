import { uuidText } from '../new-id';

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix ms then random bits. Ids sort roughly by time and are unique
 * across replicas, so they are safe de-duplication keys in a SIEM that sees every chain.
 */
export function recordId(now = Date.now()): string {
  return uuidText('', 7, now);
}
