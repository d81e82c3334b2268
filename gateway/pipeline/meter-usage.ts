import type { Runtime, UsageTap } from '../runtime';
import type { ResponseStage, ResponseStep } from './response-stage';

/**
 * Response stage: read the answer's token usage.
 * Rules enforced:
 *  - usage is read from what the upstream sent, before masking (core/usage: OpenAI's usage
 *    objects and usage chunk, Responses' terminal events, Anthropic's message_start and
 *    message_delta); chat, completions, Responses, embeddings and messages answers only;
 *  - when the gateway asked the stream for its usage (ask-stream-usage.ts), the usage-only chunk
 *    and the `"usage":null` members are taken out here, so the client (and masking) see the
 *    stream as the caller asked for it;
 *  - x.outcome.usage and x.outcome.cost are settled once, by the outcome record's writer
 *    (record-outcome.ts → rt.usage.settle), whether the answer ended whole or was cut.
 * Only reading (no Content-Length dropped) unless it takes the gateway's usage back out.
 */
export function meterUsage(rt: Runtime): ResponseStage {
  return (x, head) => {
    const tap = rt.usage.responseTap(x.request, { status: head.status, contentType: head.headers['content-type'] }, x.streamUsageAsked === true);
    if (!tap) return undefined;
    // Kept on the exchange: the outcome record's writer settles the usage from it, however the answer ended.
    x.usageTap = tap;
    return new UsageStep(tap);
  };
}

/** The step over a usage tap: one object per response, its methods shared (no closures per stream). */
class UsageStep implements ResponseStep {
  readonly rewrites: boolean;

  constructor(private readonly tap: UsageTap) {
    this.rewrites = tap.rewrites;
  }

  chunk(chunk: Buffer): Buffer {
    return this.tap.push(chunk);
  }

  end(): Buffer {
    return this.tap.end();
  }
}
