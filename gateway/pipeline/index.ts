import type { DataPathMetrics, Runtime } from '../runtime';
import type { UpstreamTable } from '../upstream/upstream-table';
import { admitLimits } from './admit-limits';
import { askStreamUsage } from './ask-stream-usage';
import { awaitApproval } from './await-approval';
import { checkTarget } from './check-target';
import type { Exchange, Stage } from './exchange';
import { evaluatePolicy } from './evaluate-policy';
import { forwardUpstream } from './forward-upstream';
import { maskRequest } from './mask-request';
import { maskResponse } from './mask-response';
import { meterUsage } from './meter-usage';
import { readBody } from './read-body';
import { resolveClientAddress } from './resolve-client-address';
import { recordArrival } from './record-arrival';
import type { ResponseStage } from './response-stage';
import type { Tracing } from '../telemetry/tracing';
import { routeRequest } from './route-request';
import { verifyIdentity } from './verify-identity';
import { writeTokenCap } from './write-token-cap';

/**
 * The data path, top to bottom. Each stage is one file with a header naming the rules it
 * enforces; the last one forwards, and the answer comes back through the response stages.
 * To add a stage: write `gateway/pipeline/<verb-noun>.ts` exporting `(rt) => Stage`, and list it
 * here in its place (a response stage in `responseStages`).
 */
export function buildPipeline(rt: Runtime, deps: { upstreams: UpstreamTable; metrics: DataPathMetrics; proxyOnly?: boolean; tracing?: Tracing }): Stage[] {
  // `serve --proxy-only` (benchmarks, debugging on loopback): the forwarding stages alone, no response stages.
  if (deps.proxyOnly) return [resolveClientAddress(rt), checkTarget(), readBody(rt), routeRequest(deps.upstreams), forwardUpstream(rt, { metrics: deps.metrics, responseStages: [] })];
  // Tracing (telemetry.otlp) wraps the stages that take time in child spans; off, the stages are used as they are.
  const t = deps.tracing;
  const traced: Tracing['child'] = t ? (name, stage, options) => t.child(name, stage, options) : (_name, stage) => stage;
  const stages = [
    // Who is calling from where: every record, refusals included, carries the client address.
    resolveClientAddress(rt),
    // Before anything reads the path: one normal form for routing, policy, audit and forwarding.
    checkTarget(),
    // Then: an unauthenticated request is refused before its body is read.
    verifyIdentity(rt),
    readBody(rt),
    routeRequest(deps.upstreams),
    traced('gatehouse.policy', evaluatePolicy(rt)),
    // Held here until approved; arrival is recorded after, so a refused request is one `denied` record.
    traced('gatehouse.approval_wait', awaitApproval(rt), { onlyWhenWaiting: true }),
    // Rate, concurrency, token and spend limits in one admission (a held request's budgets only: the rest before it was held).
    admitLimits(rt),
    maskRequest(rt),
    // The policy's max_tokens cap into the upstream bytes, unless masking already serialized it in.
    writeTokenCap(),
    askStreamUsage(rt),
    // The arrival record's write and sync (the outcome record's span is made where it is written: record-outcome.ts).
    traced('gatehouse.audit_durability', recordArrival(rt), { attributes: arrivalRecordSpan }),
    traced('gatehouse.upstream', forwardUpstream(rt, { metrics: deps.metrics, responseStages: responseStages(rt) }), { kind: 'client', propagate: true, attributes: upstreamAttributes, untilAnswerEnds: true }),
  ];
  // The request's own span first, so refusals at any stage are traced too.
  return t ? [t.requestStage, ...stages] : stages;
}

const arrivalRecordSpan = () => ({ 'gatehouse.audit.record': 'arrival' });

function upstreamAttributes(x: Exchange): Record<string, string> {
  const u = x.target!.upstream;
  return { 'gatehouse.upstream': u.name, 'server.address': u.hostname };
}

/**
 * The response side, upstream to client: each chunk of the answer passes these steps in order,
 * and at the end of a whole body each step ends in the same order (pipeline/response-stage.ts).
 * After the last one the outcome record is written (record-outcome.ts, its only writer) and only
 * then does the response end. See gateway/AGENTS.md "How to add a response stage".
 */
export function responseStages(rt: Runtime): ResponseStage[] {
  return [
    // First, on the upstream's own bytes: the usage it reports (and what the gateway asked for, taken back out).
    meterUsage(rt),
    // Last before the client: what it gets is masked, and the audit copy of the answer is made.
    maskResponse(rt),
  ];
}
