import { newId } from '../new-id';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision, InferenceRequest, MaskReportEntry, Principal } from '../core/types';
import type { ClientGone } from '../runtime';
import { ClientGoneSignal } from './client-gone';
import type { Exchange, ExchangeOutcome } from './exchange';
import type { ByteParts } from '../core/byte-parts';

/**
 * The mask report of an exchange nothing was masked in: one frozen empty list for all, where a
 * list per exchange (kept for a stream's life) cost 16 B with its room; the stages that mask
 * replace it with their entries (mask-request.ts, mask-response.ts).
 */
const noMaskEntries = Object.freeze([]) as unknown as MaskReportEntry[];

/**
 * The Exchange of one HTTP request. The client-gone signal is created on first use: most
 * requests never wait on anything. It is aborted from the pipeline's one close listener
 * (run-pipeline.ts), not a listener of its own.
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
  upstreamBody?: ByteParts;
  auditRequestBody?: unknown;
  maskReport: MaskReportEntry[] = noMaskEntries;
  streamUsageAsked?: boolean;
  usageTap?: Exchange['usageTap'];
  budget?: Exchange['budget'];
  approval?: Exchange['approval'];
  outcome: ExchangeOutcome = { responseBytes: 0, clientAborted: false };
  outcomeRecord?: Promise<void> | null;
  queuedEnd?: Exchange['queuedEnd'];
  answerEnded?: Exchange['answerEnded'];
  private gone?: ClientGoneSignal;

  constructor(readonly req: IncomingMessage, readonly res: ServerResponse) {}

  get clientGone(): ClientGone {
    if (!this.gone) {
      this.gone = new ClientGoneSignal();
      // Not req.destroyed: a request whose body was read to the end is auto-destroyed while its client still waits.
      if (!this.res.writableFinished && (this.res.destroyed || this.req.socket?.destroyed)) this.gone.abort();
    }
    return this.gone;
  }

  /** The response closed (run-pipeline.ts listens): before it finished, the client is gone. */
  closed(): void {
    if (this.gone && !this.res.writableFinished) this.gone.abort();
  }

  /** Milliseconds since arrival, with sub-millisecond precision. */
  elapsedMs(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e6;
  }
}
