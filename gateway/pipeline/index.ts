import type { Runtime } from '../runtime';
import type { GatewayMetrics } from '../server/metrics';
import type { UpstreamTable } from '../upstream/upstream-table';
import { awaitApproval } from './await-approval';
import { checkTarget } from './check-target';
import type { Stage } from './exchange';
import { evaluatePolicy } from './evaluate-policy';
import { forwardUpstream } from './forward-upstream';
import { maskRequest } from './mask-request';
import { readBody } from './read-body';
import { resolveClientAddress } from './resolve-client-address';
import { recordArrival } from './record-arrival';
import { routeRequest } from './route-request';
import { verifyIdentity } from './verify-identity';

/**
 * The data path, top to bottom. Each stage is one file with a header naming the rules it
 * enforces; the last one forwards. To add a stage: write `gateway/pipeline/<verb-noun>.ts`
 * exporting `(rt) => Stage`, and list it here in its place.
 */
export function buildPipeline(rt: Runtime, deps: { upstreams: UpstreamTable; metrics: GatewayMetrics; proxyOnly?: boolean }): Stage[] {
  // `serve --proxy-only` (benchmarks, debugging on loopback): the forwarding stages alone.
  if (deps.proxyOnly) return [resolveClientAddress(rt), checkTarget(), readBody(rt), routeRequest(deps.upstreams), forwardUpstream(rt, deps.metrics)];
  return [
    // Who is calling from where: every record, refusals included, carries the client address.
    resolveClientAddress(rt),
    // Before anything reads the path: one normal form for routing, policy, audit and forwarding.
    checkTarget(),
    // Then: an unauthenticated request is refused before its body is read.
    verifyIdentity(rt),
    readBody(rt),
    routeRequest(deps.upstreams),
    evaluatePolicy(rt),
    // Held here until approved; arrival is recorded after, so a refused request is one `denied` record.
    awaitApproval(rt),
    maskRequest(rt),
    recordArrival(rt),
    forwardUpstream(rt, deps.metrics),
  ];
}
