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
  let steps: ResponseStep[] | undefined;
  for (const stage of stages) {
    const step = stage(x, head);
    if (step) (steps ??= []).push(step);
  }
  if (!steps) return null;
  if (steps.length === 1) return steps[0]!;
  // A copy of its own length: a list grown by push keeps room for 16, for the response's life.
  return new ChainedSteps(steps.slice());
}

/** Several steps run as one (a class: no closures per response, thousands of which may stream at once). */
class ChainedSteps implements ResponseStep {
  readonly rewrites: boolean;

  constructor(private readonly steps: readonly ResponseStep[]) {
    this.rewrites = steps.some((s) => s.rewrites);
  }

  chunk(chunk: Buffer): Buffer {
    const { steps } = this;
    for (let i = 0; i < steps.length && chunk.length > 0; i++) chunk = steps[i]!.chunk(chunk);
    return chunk;
  }

  end(): Buffer {
    // What an earlier step released at its end still passes through the later steps before they end.
    let tail: Buffer = empty;
    for (const step of this.steps) {
      const passed = tail.length > 0 ? step.chunk(tail) : empty;
      const released = step.end();
      tail = passed.length === 0 ? released : released.length === 0 ? passed : Buffer.concat([passed, released]);
    }
    return tail;
  }
}
