import { EventEmitter } from 'node:events';

/**
 * The in-process event bus. The admin event stream (/admin/events), alerts and metrics
 * subscribe to it; the pipeline, audit, approvals and policy publish on it.
 * Payloads are plain JSON-safe objects (they go out over SSE as they are) and never hold
 * secrets or unmasked bodies.
 */
export interface GatewayEvents {
  'audit.appended': { id: string; seq: number; kind: string; principal?: string; decision?: string; model?: string; status?: number };
  'approval.requested': { id: string; principal: string; method: string; path: string; model?: string; rule: string; expiresAt: string };
  'approval.resolved': { id: string; state: 'approved' | 'denied' | 'timeout' | 'withdrawn'; by?: string; reason?: string };
  'alert.fired': { id: string; rule: string; severity: string; message: string; principal?: string; at: string };
  'policy.reloaded': { version: string; files: string[] };
  'policy.reload_failed': { errors: { file: string; line?: number; column?: number; path: string; message: string }[] };
  'audit.failed': { message: string };
  /** The log is writable again; `since` is when it failed. */
  'audit.recovered': { since: string; seconds: number };
  'sink.failed': { sink: string; message: string };
}

export type GatewayEventName = keyof GatewayEvents;

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
