import type { ClientGone } from '../runtime';

/**
 * A request's client-gone signal (`Exchange.clientGone`): aborted once, when its response closes
 * before it finished. A plain object with a list of listeners, where an AbortController, its
 * AbortSignal (an EventTarget) and one listener cost ≈ 1 KB of heap per held request.
 */
export class ClientGoneSignal implements ClientGone {
  aborted = false;
  // The first listener in a field, the others in a list: a stream has one listener (the forward
  // handler's) for its life, and a list of one costs ≈ 40 B more.
  private first: (() => void) | undefined;
  private more: (() => void)[] | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    if (!this.first) this.first = listener;
    else if (this.more) this.more.push(listener);
    else this.more = [listener];
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.first === listener) {
      this.first = this.more?.shift();
      return;
    }
    const i = this.more?.indexOf(listener) ?? -1;
    if (i >= 0) this.more!.splice(i, 1);
  }

  /** Marks the client gone and calls each listener once, in the order added. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const { first, more } = this;
    this.first = this.more = undefined;
    first?.();
    if (more) for (const listener of more) listener();
  }
}
