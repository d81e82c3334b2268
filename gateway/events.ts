import { EventEmitter } from 'node:events';
import type { GatewayEventName, GatewayEvents } from './core/admin-api';
import type { EventFanout, FanoutEvent } from './state/event-fanout';
import { MemoryEventFanout } from './state/memory-event-fanout';

export type { GatewayEventName, GatewayEvents };

/**
 * The in-process event bus. The admin event stream (/admin/events), alerts and metrics
 * subscribe to it; the pipeline, audit, approvals and policy publish on it.
 * Payloads are plain JSON-safe objects (they go out over SSE as they are) and never hold
 * secrets or unmasked bodies. Their shapes are the admin API contract (core/admin-api.ts,
 * from schemas/admin-api.openapi.yaml components GatewayEvents): add an event there first.
 *
 * What is emitted goes through the event fan-out (`state/event-fanout.ts`) and subscribers
 * receive what the fan-out delivers: this process's events at once, and a fleet's from the other
 * instances too. The default fan-out is this process only.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();
  /** This instance's own events only (`onLocal`). */
  private readonly local = new EventEmitter();

  constructor(private readonly fanout: EventFanout = new MemoryEventFanout()) {
    // Many admin clients may listen at once; each SSE connection is one listener per event.
    this.emitter.setMaxListeners(0);
    this.local.setMaxListeners(0);
    fanout.subscribe((e) => this.emitter.emit(e.name, e.payload));
  }

  emit<K extends GatewayEventName>(name: K, payload: GatewayEvents[K]): void {
    this.local.emit(name, payload);
    // This instance's subscribers have it before publish returns; a fleet fan-out that cannot
    // reach the others reports that itself.
    this.fanout.publish({ name, payload } as FanoutEvent)?.catch(ignore);
  }

  on<K extends GatewayEventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /**
   * Only the events this instance emits, not the fleet's: for a side effect that one instance
   * must do once (posting its own alert to the webhooks), where `on` would do it on every instance.
   */
  onLocal<K extends GatewayEventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    this.local.on(name, listener);
    return () => this.local.off(name, listener);
  }
}

function ignore(): void {}
