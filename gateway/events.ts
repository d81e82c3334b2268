import { EventEmitter } from 'node:events';
import type { GatewayEventName, GatewayEvents } from './core/admin-api';

export type { GatewayEventName, GatewayEvents };

/**
 * The in-process event bus. The admin event stream (/admin/events), alerts and metrics
 * subscribe to it; the pipeline, audit, approvals and policy publish on it.
 * Payloads are plain JSON-safe objects (they go out over SSE as they are) and never hold
 * secrets or unmasked bodies. Their shapes are the admin API contract (core/admin-api.ts,
 * from schemas/admin-api.openapi.yaml components GatewayEvents): add an event there first.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Many admin clients may listen at once; each SSE connection is one listener per event.
    this.emitter.setMaxListeners(0);
  }

  emit<K extends GatewayEventName>(name: K, payload: GatewayEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends GatewayEventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
