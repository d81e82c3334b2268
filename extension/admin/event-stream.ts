import type * as http from 'node:http';
import type { AdminEvent } from '../../gateway/core/admin-api';
import { SseParser } from './sse-parser';

export type EventStreamStatus = 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';

export interface EventStreamOptions {
  /** First reconnect delay; doubles per failed attempt up to maxDelayMs, resets once connected. */
  minDelayMs: number;
  maxDelayMs: number;
  onStatus: (status: EventStreamStatus, detail?: string) => void;
}

/**
 * A live `GET /admin/events` subscription. Reconnects with exponential backoff after the
 * connection drops and resumes with `Last-Event-ID`, so no event is missed while the gateway
 * keeps it in its replay window. A 401/403 stops it: retrying cannot fix a token.
 */
export class EventStream {
  private readonly options: EventStreamOptions;
  private request: http.ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private closed = false;
  private lastEventId: string | undefined;
  status: EventStreamStatus = 'connecting';

  constructor(
    private readonly open: (lastEventId: string | undefined) => http.ClientRequest,
    private readonly onEvent: (event: AdminEvent) => void,
    options: Partial<EventStreamOptions> = {},
  ) {
    this.options = { minDelayMs: 500, maxDelayMs: 30_000, onStatus: () => {}, ...options };
    this.delayMs = this.options.minDelayMs;
    this.connect();
  }

  /** The id of the last event received (sent as Last-Event-ID on reconnect). */
  get resumeFrom(): string | undefined {
    return this.lastEventId;
  }

  dispose(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.request?.destroy();
    this.setStatus('closed');
  }

  private connect(): void {
    if (this.closed) return;
    const req = (this.request = this.open(this.lastEventId));
    // A superseded request's late events must not schedule a second reconnect.
    const retry = (reason: string) => req === this.request && this.retry(reason);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) {
        res.resume();
        this.closed = true;
        return this.setStatus('unauthorized', `admin API answered ${status}`);
      }
      if (status !== 200) {
        res.resume();
        return retry(`admin API answered ${status}`);
      }
      this.delayMs = this.options.minDelayMs;
      this.setStatus('open');
      res.setEncoding('utf8');
      const parser = new SseParser(
        (m) => {
          if (m.id) this.lastEventId = m.id;
          let data: unknown;
          try {
            data = JSON.parse(m.data);
          } catch {
            return; // not one of ours
          }
          this.onEvent({ id: m.id, name: m.event, data } as AdminEvent);
        },
        (ms) => (this.delayMs = Math.max(ms, this.options.minDelayMs)),
      );
      res.on('data', (text: string) => parser.push(text));
      res.on('end', () => retry('event stream ended'));
      res.on('error', (e) => retry(e.message));
    });
    req.on('error', (e) => retry(e.message));
    req.end();
  }

  private retry(reason: string): void {
    if (this.closed || this.timer) return;
    this.request?.destroy();
    this.setStatus('reconnecting', reason);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxDelayMs);
  }

  private setStatus(status: EventStreamStatus, detail?: string): void {
    if (this.status === status && status !== 'reconnecting') return;
    this.status = status;
    this.options.onStatus(status, detail);
  }
}
