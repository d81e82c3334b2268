import { describeBody, describeRequest } from '../core/inference-request';
import { forwardedPath } from '../core/request-target';
import { GatehouseError } from '../errors';
import type { UpstreamTable } from '../upstream/upstream-table';
import type { Stage } from './exchange';

/**
 * Stage: choose the upstream and describe the request for policy and audit.
 * Rules: the first upstream whose path prefix (whole segments) and model globs, when it has any,
 * match wins; no match is a 404 in the OpenAI shape. The path is the checked one (check-target.ts),
 * forwarded under the upstream URL's base path. The endpoint kind comes from the path, model, stream
 * flag, token cap and prompt text from the JSON body.
 */
export function routeRequest(upstreams: UpstreamTable): Stage {
  return (x) => {
    const path = x.path!;
    const facts = describeBody(x.json);
    const upstream = upstreams.select(path, facts.model);
    if (!upstream) {
      throw new GatehouseError(404, 'ERR_ROUTE_NOT_FOUND', `No upstream serves ${x.req.method} ${path}${facts.model ? ` for model ${facts.model}` : ''}.`);
    }
    x.target = { upstream, path: forwardedPath(upstream.basePath, path, upstream.stripPrefix ? upstream.pathPrefix : undefined) + x.query };
    const bodyBytes = x.body?.length ?? Number(x.req.headers['content-length'] ?? 0);
    x.request = describeRequest({ method: x.req.method ?? 'GET', path, upstream: upstream.name, bodyBytes }, facts);
  };
}
