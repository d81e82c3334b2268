import type { GatewayEventName, GatewayEvents } from '../core/admin-api';

/** One admin event: its name and its payload (the contract's GatewayEvents). */
export type FanoutEvent = { [K in GatewayEventName]: { name: K; payload: GatewayEvents[K] } }[GatewayEventName];

/**
 * Carries admin events (approvals requested and resolved, audit appended, alerts, reloads) to
 * every subscriber, on this instance and, for a fleet, on the others, so an extension connected
 * to any instance sees them all. The event bus (`events.ts`) publishes through it and delivers
 * what it receives. One process by default (`memory-event-fanout.ts`).
 *
 * Contract: test/contract/event-fanout.ts.
 */
export interface EventFanout {
  /**
   * Delivers the event to this instance's subscribers before returning (in publish order), and
   * to the other instances' after. Resolves once handed to the fleet; rejects when it could not
   * be (this instance's subscribers have it anyway). Returns nothing when there is nothing to
   * wait for (no other instance gets it from here): `audit.appended` is published for every
   * audit record, and a settled promise per event is two promises and a microtask per record.
   */
  publish(event: FanoutEvent): Promise<void> | undefined;
  /** Receives every event published on any instance; returns the unsubscribe function. */
  subscribe(listener: (event: FanoutEvent) => void): () => void;
  close(): Promise<void>;
}
