import type { ServerResponse } from 'node:http';
import type { ApprovalRecord } from '../core/approvals/approval-record';
import type { GatehouseError } from '../errors';
import type { ClientGone } from '../runtime';
import { CommentTicker } from '../sse/comment-ticker';
import { openHeldStream } from '../sse/sse-error';

/** How a held request's wait ended: its approval as settled, and the error that refuses it (none: go on). */
export interface Release {
  /** Undefined only when the approval could not be settled in its store. */
  record: ApprovalRecord | undefined;
  error?: GatehouseError;
}

interface Holding {
  timer: NodeJS.Timeout;
  clientGone: ClientGone;
  onAbort: () => void;
  stream?: ServerResponse;
  resolve(release: Release): void;
}

/** What the approval service does when a held request's wait runs out, or its client leaves. */
export interface HeldRequestHandlers {
  expire(id: string): void;
  gone(id: string): void;
}

/**
 * The transport half of approvals: the callers' connections this instance holds open while their
 * approvals are pending. It knows nothing of the rules; the approval service settles the
 * approval and then ends the wait here. A held request costs one Map entry, one timer (Node
 * keeps all timers of one duration in a single list behind one native timer), one promise and an
 * abort listener; held streaming requests share one keep-alive interval.
 *
 * Streaming requests get 200 and SSE headers at once (`openStream`), then a
 * `: waiting for approval` comment every keep-alive interval, so proxies and SDKs with idle
 * timeouts keep the connection. A denial or timeout after that arrives as an SSE `error` event
 * written by the pipeline's error path (respondError sees isHeldStream(res)); the OpenAI SDK
 * raises it as an APIError with code approval_denied / approval_timeout. An approval lets the
 * forwarder stream the upstream's events into the already-open response. Non-streaming requests
 * are held without headers.
 */
export class HeldRequests {
  private readonly held = new Map<string, Holding>();
  private readonly keepAlive: CommentTicker;

  /** `on.expire` and `on.gone` are expected to settle the approval and `take` it. */
  constructor(keepAliveMs: number, private readonly on: HeldRequestHandlers) {
    this.keepAlive = new CommentTicker(keepAliveMs, 'waiting for approval');
  }

  /** Requests held right now. */
  get size(): number {
    return this.held.size;
  }

  ids(): string[] {
    return [...this.held.keys()];
  }

  /** Holds the caller until `take(id)` ends the wait; after `waitMs` it calls `on.expire`, and `on.gone` if the client leaves. */
  hold(id: string, waitMs: number, clientGone: ClientGone): Promise<Release> {
    return new Promise<Release>((resolve) => {
      const onAbort = () => this.on.gone(id);
      clientGone.addEventListener('abort', onAbort, { once: true });
      // The id as the timer's argument, not a closure: one object less per held request.
      this.held.set(id, { timer: setTimeout(this.on.expire, waitMs, id), clientGone, onAbort, resolve });
    });
  }

  /** Answers a held streaming request 200 with SSE headers now and keeps it alive; returns when (ms since the epoch). */
  openStream(id: string, res: ServerResponse, requestId: string): number {
    const holding = this.held.get(id);
    if (!holding) throw new Error(`approval ${id} is not held here`);
    openHeldStream(res, id, 'waiting for approval', requestId);
    holding.stream = res;
    this.keepAlive.add(res);
    return Date.now();
  }

  /**
   * Stops holding a request: no more timer, abort listener or keep-alive comments. Returns the
   * function that ends its wait, or undefined when it is not held here (held by another
   * instance, or already taken). A held stream stays open: the pipeline's error path ends it
   * with an SSE error event once the outcome is set, so the audit record is complete.
   */
  take(id: string): ((release: Release) => void) | undefined {
    const holding = this.held.get(id);
    if (!holding) return undefined;
    this.held.delete(id);
    clearTimeout(holding.timer);
    holding.clientGone.removeEventListener('abort', holding.onAbort);
    if (holding.stream) this.keepAlive.delete(holding.stream);
    return holding.resolve;
  }

  /** Stops the keep-alive interval (the service releases every held request first). */
  close(): void {
    this.keepAlive.close();
  }
}
