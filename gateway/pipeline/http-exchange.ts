import { newId } from '../new-id';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision, InferenceRequest, MaskReportEntry, Principal } from '../core/types';
import type { Exchange, ExchangeOutcome } from './exchange';

/**
 * The Exchange of one HTTP request. The client-gone signal is created on first use: most
 * requests never wait on anything, and an AbortController per request is measurable on the hot path.
 */
export class HttpExchange implements Exchange {
  readonly id = newId();
  readonly receivedAt = Date.now();
  readonly startNs = process.hrtime.bigint();
  path?: string;
  query?: string;
  clientAddress?: string;
  upstreamTraceparent?: string;
  principal?: Principal;
  request?: InferenceRequest;
  target?: Exchange['target'];
  streamBody?: boolean;
  body?: Buffer;
  json?: unknown;
  decision?: Decision;
  upstreamBody?: Buffer;
  auditRequestBody?: unknown;
  maskReport: MaskReportEntry[] = [];
  streamUsageAsked?: boolean;
  usageTap?: Exchange['usageTap'];
  budget?: Exchange['budget'];
  approval?: Exchange['approval'];
  outcome: ExchangeOutcome = { responseBytes: 0, clientAborted: false };
  outcomeRecord?: Promise<void> | null;
  private controller?: AbortController;

  constructor(readonly req: IncomingMessage, readonly res: ServerResponse) {}

  get clientGone(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      if (this.res.writableFinished) {
        // already over: nothing to wait for
      } else if (this.res.destroyed || this.req.socket?.destroyed) {
        // Not req.destroyed: a request whose body was read to the end is auto-destroyed while its client still waits.
        controller.abort();
      } else {
        this.res.once('close', () => {
          if (!this.res.writableFinished) controller.abort();
        });
      }
    }
    return this.controller.signal;
  }

  /** Milliseconds since arrival, with sub-millisecond precision. */
  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e6;
  }
}
