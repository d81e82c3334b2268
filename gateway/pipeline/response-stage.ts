import type { IncomingHttpHeaders } from 'node:http';
import type { Exchange } from './exchange';

/**
 * The response half of the stage table (`responseStages` in pipeline/index.ts), like an Envoy
 * encoder filter: opened once per response when the upstream's status and headers are in, it
 * returns its step for this response, or nothing when the response is none of its business (then
 * it costs nothing per chunk). Steps see the body in table order, upstream first, client last.
 */
export type ResponseStage = (x: Exchange, head: ResponseHead) => ResponseStep | undefined;

/** The upstream's status and headers. */
export interface ResponseHead {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
}

export interface ResponseStep {
  /**
   * True when the step may change the bytes: the client then gets no Content-Length (nor ETag,
   * Content-MD5). A step that only reads the body leaves it false and the relay keeps its
   * fast path (Content-Length kept, the last byte held back until the outcome record is durable).
   */
  readonly rewrites: boolean;
  /** One chunk on its way to the client: what goes on (the same buffer when only reading; may hold back a tail). Never copy a chunk you pass on unchanged. */
  chunk(chunk: Buffer): Buffer;
  /**
   * The body ended whole: return what was held back, and write what the record needs onto the
   * exchange (x.outcome.*). The outcome record is written after every step has ended
   * (pipeline/record-outcome.ts). Not called when the body was cut (client gone, upstream reset).
   */
  end(): Buffer;
}

const empty = Buffer.alloc(0);

/** The steps of one response, run as one: null when no stage applies, so the relay passes bytes as they are. */
export function openResponseSteps(stages: readonly ResponseStage[], x: Exchange, head: ResponseHead): ResponseStep | null {
  return openFrom(stages, 0, x, head);
}

/**
 * The steps of stages[from…], opened in table order and chained as a step and the rest: one small
 * object per pair, where a list of the steps (grown by push, then copied to its size) kept ≈ 48 B
 * more for the response's life.
 */
function openFrom(stages: readonly ResponseStage[], from: number, x: Exchange, head: ResponseHead): ResponseStep | null {
  for (let i = from; i < stages.length; i++) {
    const step = stages[i]!(x, head);
    if (!step) continue;
    const rest = openFrom(stages, i + 1, x, head);
    return rest ? new ChainedSteps(step, rest) : step;
  }
  return null;
}

/** A step and the steps after it, run as one (a class: no closures per response, thousands of which may stream at once). */
class ChainedSteps implements ResponseStep {
  readonly rewrites: boolean;

  constructor(private readonly first: ResponseStep, private readonly rest: ResponseStep) {
    this.rewrites = first.rewrites || rest.rewrites;
  }

  chunk(chunk: Buffer): Buffer {
    const passed = this.first.chunk(chunk);
    return passed.length > 0 ? this.rest.chunk(passed) : passed;
  }

  end(): Buffer {
    // What the first step released at its end still passes through the later steps before they end.
    const released = this.first.end();
    const passed = released.length > 0 ? this.rest.chunk(released) : empty;
    const tail = this.rest.end();
    return passed.length === 0 ? tail : tail.length === 0 ? passed : Buffer.concat([passed, tail]);
  }
}
