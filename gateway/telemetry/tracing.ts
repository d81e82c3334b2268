import type { Attributes } from '@opentelemetry/api';
import { SecretError, readSecret } from '../config/secrets';
import type { Telemetry } from '../generated/gatehouse.config';
import type { Exchange, Stage } from '../pipeline/exchange';

/** How a stage's child span is made. */
export interface ChildOptions {
  /** A span only when the stage returns a promise (approval: most requests need none). */
  onlyWhenWaiting?: boolean;
  kind?: 'internal' | 'client';
  /** The span's context goes upstream as `traceparent` (x.upstreamTraceparent). */
  propagate?: boolean;
  attributes?: (x: Exchange) => Attributes;
  /**
   * The span lasts until the forwarded answer has ended (`x.answerEnded`), not until the stage
   * settles: the forward stage settles once the answer's relay starts.
   */
  untilAnswerEnds?: boolean;
}

/** Request tracing, as the pipeline sees it (telemetry.otlp). */
export interface Tracing {
  /** The first stage: opens the request's span and ends it when the response closes. */
  requestStage: Stage;
  /** The stage, inside a child span of the request's span named `name`. */
  child(name: string, stage: Stage, options?: ChildOptions): Stage;
  /**
   * Runs `work` (what the request waits on outside the stages: its outcome record) inside a child
   * span of the request's span named `name`, until what it returns settles; returns that.
   */
  around(x: Exchange, name: string, work: () => void | Promise<void>, attributes?: Attributes): void | Promise<void>;
  /** Sends the spans still buffered; at stop. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when `telemetry.otlp` is set, else returns undefined: then the pipeline is
 * built without a traced stage, and OpenTelemetry is never loaded (the import below is lazy: the
 * bundle initializes those modules only when this runs), so it costs nothing on the data path.
 * Header values are secretRefs (an API key of a tracing backend), read once at start.
 */
export async function startTracing(cfg: Telemetry | undefined, configDir: string): Promise<Tracing | undefined> {
  const otlp = cfg?.otlp;
  if (!otlp) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, ref] of Object.entries(otlp.headers ?? {})) {
    try {
      headers[name] = readSecret(ref, configDir);
    } catch (err) {
      if (err instanceof SecretError) throw new SecretError(err.message, `/telemetry/otlp/headers/${name}`);
      throw err;
    }
  }
  const { createOtlpTracing } = await import('./otlp-tracing');
  return createOtlpTracing({ endpoint: otlp.endpoint, headers, serviceName: otlp.serviceName ?? 'gatehouse' });
}
