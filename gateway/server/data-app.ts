import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Stage } from '../pipeline/exchange';
import { createPipelineHandler } from '../pipeline/run-pipeline';
import type { DataPathMetrics, Runtime } from '../runtime';

/**
 * The data listener's request handler: node:http hands every request straight to the pipeline.
 *
 * Express is deliberately not on this path (the admin listener keeps it). Measured with bench/:
 * Express 5 in front of the pipeline cost about a third of the proxy's CPU per request — its
 * app.handle re-prototypes req and res (Object.setPrototypeOf on both), which makes node's own http
 * code see objects of a new shape on every request and fall back to megamorphic property access, and
 * it runs its router, parseurl and finalhandler besides. The data path uses none of that: the
 * pipeline routes, reads bodies and writes errors in the OpenAI shape itself, and a transparent
 * proxy must not add Express's headers or parse what it forwards.
 */
export function createDataHandler(rt: Runtime, stages: readonly Stage[], metrics: DataPathMetrics): (req: IncomingMessage, res: ServerResponse) => void {
  const pipeline = createPipelineHandler(rt, stages, metrics);
  return (req, res) => {
    if (req.url === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) return answerHealth(res);
    pipeline(req, res);
  };
}

/**
 * `GET /healthz` on the data listener, so a load balancer probes the port it routes to: the
 * process is up. Unauthenticated, not audited (a probe every few seconds is not a request to
 * account for), no body.
 */
function answerHealth(res: ServerResponse): void {
  res.writeHead(200, { 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}
