import express, { type Express } from 'express';
import type { Stage } from '../pipeline/exchange';
import { createPipelineHandler } from '../pipeline/run-pipeline';
import type { Runtime } from '../runtime';
import type { GatewayMetrics } from './metrics';

/**
 * The data listener's app: every request goes through the one pipeline. Express adds nothing
 * per request here beyond its router entry; ETags, query parsing and x-powered-by are off
 * because a transparent proxy must not invent headers or parse what it forwards untouched.
 */
export function createDataApp(rt: Runtime, stages: readonly Stage[], metrics: GatewayMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);
  app.use(createPipelineHandler(rt, stages, metrics));
  return app;
}
