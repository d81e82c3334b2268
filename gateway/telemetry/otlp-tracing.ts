import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { formatTraceparent, parseTraceparent } from '../core/trace-context';
import type { Exchange, Stage } from '../pipeline/exchange';
import { requestAttributes, responseAttributes, spanName } from './genai-attributes';
import { createSpanClock, type SpanClock } from './span-clock';
import type { ChildOptions, Tracing } from './tracing';

/**
 * Tracing with the OpenTelemetry SDK and its OTLP/HTTP exporter: one SERVER span per request
 * (a child of the caller's `traceparent` when it sent a valid one) and child spans for the
 * stages that take time. Contexts are passed explicitly (no global context manager, no
 * monkey-patching): the pipeline is the only instrumented code. Loaded only when
 * `telemetry.otlp` is set (tracing.ts imports this file lazily).
 */
export function createOtlpTracing(o: { endpoint: string; headers: Record<string, string>; serviceName: string }): Tracing {
  const exporter = new OTLPTraceExporter({ url: o.endpoint, headers: o.headers });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer: Tracer = provider.getTracer('gatehouse');
  // The request span of each exchange, and the context its children start in.
  const spans = new WeakMap<Exchange, { span: Span; context: Context }>();
  const clock = createSpanClock();

  return {
    requestStage(x) {
      clock.followWallClock();
      const caller = parseTraceparent(x.req.headers.traceparent);
      const parent = caller
        ? trace.setSpanContext(ROOT_CONTEXT, { traceId: caller.traceId, spanId: caller.parentId, traceFlags: caller.flags, isRemote: true })
        : ROOT_CONTEXT;
      const span = tracer.startSpan('gatehouse request', { kind: SpanKind.SERVER, startTime: clock.now(), attributes: requestAttributes(x) }, parent);
      spans.set(x, { span, context: trace.setSpan(parent, span) });
      x.res.once('close', () => {
        span.setAttributes(responseAttributes(x));
        span.updateName(spanName(x));
        const status = x.outcome.status ?? 499;
        // A server span is an error for 5xx only (HTTP semantic conventions); 4xx are the caller's.
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: x.outcome.errorCode ?? x.outcome.upstreamError });
        span.end(clock.now());
      });
    },

    child(name: string, stage: Stage, opts: ChildOptions = {}): Stage {
      return (x) => {
        const parent = spans.get(x);
        if (!parent) return stage(x);
        const startTime = clock.now();
        let span: Span | undefined;
        const open = (): Span => {
          const attributes: Attributes = opts.attributes?.(x) ?? {};
          return tracer.startSpan(name, { kind: opts.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, startTime, attributes }, parent.context);
        };
        // A span that lasts until the answer ends is open from the start: the stage settles before it ends.
        if (!opts.onlyWhenWaiting || opts.untilAnswerEnds) span = open();
        if (opts.propagate && span) {
          const c = span.spanContext();
          x.upstreamTraceparent = formatTraceparent({ traceId: c.traceId, parentId: c.spanId, flags: c.traceFlags });
        }
        // The upstream span ends with the answer, which the stage calls once it has ended.
        const untilAnswer = opts.untilAnswerEnds && span;
        if (untilAnswer) x.answerEnded = () => untilAnswer.end(clock.now());
        let result: void | Promise<void>;
        try {
          result = stage(x);
        } catch (err) {
          if (untilAnswer) x.answerEnded = undefined;
          endFailed(span ?? open(), err, clock);
          throw err;
        }
        if (!result) {
          if (!untilAnswer) span?.end(clock.now());
          return;
        }
        // The stage waits (an approval, a sync, the upstream): now the span is worth having.
        span ??= open();
        const s = span;
        return result.then(
          () => {
            if (!untilAnswer) s.end(clock.now());
          },
          (err: unknown) => {
            if (untilAnswer) x.answerEnded = undefined;
            endFailed(s, err, clock);
            throw err;
          },
        );
      };
    },

    around(x, name, work, attributes) {
      const parent = spans.get(x);
      if (!parent) return work();
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: clock.now(), ...(attributes ? { attributes } : {}) }, parent.context);
      let pending: void | Promise<void>;
      try {
        pending = work();
      } catch (err) {
        endFailed(span, err, clock);
        throw err;
      }
      if (!pending) span.end(clock.now());
      else pending.then(() => span.end(clock.now()), (err: unknown) => endFailed(span, err, clock));
      return pending;
    },

    async shutdown() {
      await provider.shutdown();
    },
  };
}

/** A stage that refused or failed: its error code, never its message (it may quote the request). */
function endFailed(span: Span, err: unknown, clock: SpanClock): void {
  const code = (err as { code?: string })?.code ?? 'ERR_INTERNAL';
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.end(clock.now());
}
