import type { EventFanout, FanoutEvent } from './event-fanout';

/** Events within one process: delivered to every subscriber synchronously, in publish order. */
export class MemoryEventFanout implements EventFanout {
  private readonly listeners = new Set<(event: FanoutEvent) => void>();

  publish(event: FanoutEvent): undefined {
    // Not async: a listener that throws throws into the publisher, as an EventEmitter's would.
    for (const listener of this.listeners) listener(event);
    // Nothing to hand to other instances, so nothing to wait for.
    return undefined;
  }

  subscribe(listener: (event: FanoutEvent) => void): () => void {
    // A wrapper per subscription, so one function subscribed twice gets each event twice and unsubscribes once.
    const each = (event: FanoutEvent) => listener(event);
    this.listeners.add(each);
    return () => this.listeners.delete(each);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
