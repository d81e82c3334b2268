import type { ClientGone } from '../runtime';

/**
 * A request's client-gone signal (`Exchange.clientGone`): aborted once, when its response closes
 * before it finished. A plain object with a list of listeners, where an AbortController, its
 * AbortSignal (an EventTarget) and one listener cost ≈ 1 KB of heap per held request.
 */
export class ClientGoneSignal implements ClientGone {
  aborted = false;
  private listeners: (() => void)[] | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    // A list of one made as such: one grown by push keeps room for 16.
    if (this.listeners) this.listeners.push(listener);
    else this.listeners = [listener];
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
  }

  /** Marks the client gone and calls each listener once. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}
