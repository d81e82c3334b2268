import { Router } from 'express';
import type { DecisionPreview, MaskPreview, MaskPreviewFailure } from '../../core/admin-api';
import { describeBody, describeRequest } from '../../core/inference-request';
import { previewMasking } from '../../core/masking/preview';
import { endpointKinds, type EndpointKind, type InferenceRequest, type Principal } from '../../core/types';
import type { MaskingRules } from '../../generated/masking-rules';
import type { Runtime } from '../../runtime';
import { answerRecorded } from '../admin-record';
import { badRequest } from './admin-deps';

/**
 * POST /preview/mask — what a masking spec does to a sample payload (core previewMasking, the
 * same function as `gatehouse mask preview` and the extension's preview).
 * POST /preview/decision — what the running policy decides for a sample principal and request,
 * with the explain trace. Nothing is forwarded or audited.
 */
export function previewRoutes(rt: Pick<Runtime, 'policy' | 'config' | 'audit'>): Router {
  const router = Router();
  const auditDetectors = rt.config.masking?.auditDetectors;
  const phoneRegions = rt.config.masking?.phoneRegions;

  router.post('/preview/mask', async (req, res) => {
    const body = req.body as { spec?: unknown; sample?: unknown; where?: unknown; ruleNames?: unknown } | undefined;
    if (!body || typeof body !== 'object' || !('sample' in body)) throw badRequest('Send {"spec": <masking rules>, "sample": <payload>, "where"?: "audit"|"upstream"|"client", "ruleNames"?: [...]}.');
    if (body.where !== undefined && !['audit', 'upstream', 'client'].includes(body.where as string)) throw badRequest('where must be audit, upstream or client.');
    if (body.ruleNames !== undefined && (!Array.isArray(body.ruleNames) || body.ruleNames.some((n) => typeof n !== 'string'))) throw badRequest('ruleNames must be an array of strings.');
    const result = previewMasking(body.spec as MaskingRules | undefined, body.sample, {
      ...(body.where ? { where: body.where as 'audit' | 'upstream' | 'client' } : {}),
      ...(body.ruleNames ? { ruleNames: body.ruleNames as string[] } : {}),
      ...(auditDetectors ? { auditDetectors } : {}),
      ...(phoneRegions ? { phoneRegions } : {}),
    });
    await answerRecorded(rt.audit, req, res, result satisfies MaskPreview | MaskPreviewFailure, {}, result.ok ? 200 : 422);
  });

  router.post('/preview/decision', async (req, res) => {
    const body = (req.body ?? {}) as { principal?: Partial<Principal>; request?: Partial<InferenceRequest> & { body?: unknown } };
    const principal = samplePrincipal(body.principal);
    const request = sampleRequest(body.request);
    await answerRecorded(rt.audit, req, res, { principal, request, decision: rt.policy.decide(principal, request) } satisfies DecisionPreview);
  });
  return router;
}

function samplePrincipal(p: Partial<Principal> | undefined): Principal {
  if (!p || typeof p.subject !== 'string' || !p.subject) throw badRequest('principal.subject is required.');
  if (p.groups !== undefined && (!Array.isArray(p.groups) || p.groups.some((g) => typeof g !== 'string'))) throw badRequest('principal.groups must be an array of strings.');
  return {
    issuer: typeof p.issuer === 'string' ? p.issuer : 'urn:gatehouse:preview',
    subject: p.subject,
    groups: p.groups ?? [],
    ...(typeof p.clientId === 'string' ? { clientId: p.clientId } : {}),
    ...(p.attributes && typeof p.attributes === 'object' ? { attributes: p.attributes } : {}),
  };
}

/** The request as routing would describe it: endpoint from the path, model/stream/prompt from the sample body; explicit fields win. */
function sampleRequest(r: (Partial<InferenceRequest> & { body?: unknown }) | undefined): InferenceRequest {
  if (!r || typeof r.path !== 'string' || !r.path.startsWith('/')) throw badRequest('request.path is required and starts with /.');
  if (r.endpoint !== undefined && !endpointKinds.includes(r.endpoint as EndpointKind)) throw badRequest(`request.endpoint must be one of ${endpointKinds.join(', ')}.`);
  const facts = describeBody(r.body);
  const described = describeRequest(
    {
      method: typeof r.method === 'string' ? r.method.toUpperCase() : 'POST',
      path: r.path,
      upstream: typeof r.upstream === 'string' ? r.upstream : '',
      bodyBytes: typeof r.bodyBytes === 'number' ? r.bodyBytes : r.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(r.body)),
      ...(r.endpoint !== undefined ? { endpoint: r.endpoint as EndpointKind } : {}),
    },
    facts,
  );
  // Explicit fields win over what the sample body says.
  return {
    ...described,
    ...(typeof r.model === 'string' ? { model: r.model } : {}),
    ...(typeof r.stream === 'boolean' ? { stream: r.stream } : {}),
    ...(typeof r.promptText === 'string' ? { promptText: r.promptText } : {}),
    ...(typeof r.maxTokens === 'number' ? { maxTokens: r.maxTokens } : {}),
  };
}
