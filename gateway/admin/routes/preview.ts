import { Router } from 'express';
import { endpointKinds, type EndpointKind, type InferenceRequest, type Principal } from '../../core/types';
import type { PolicyService } from '../../runtime';
import { badRequest, notWired, type AdminDeps } from './admin-deps';

/**
 * POST /preview/mask — masks a sample payload (the masking area's previewMasking).
 * POST /preview/decision — what the running policy decides for a sample principal and request,
 * with the explain trace. Nothing is forwarded or audited.
 */
export function previewRoutes(policy: PolicyService, deps: Pick<AdminDeps, 'previewMask' | 'describeRequest'>): Router {
  const router = Router();

  router.post('/preview/mask', async (req, res) => {
    if (!deps.previewMask) throw notWired('The masking preview');
    if (req.body === undefined || typeof req.body !== 'object') throw badRequest('Send a JSON object.');
    res.json(await deps.previewMask(req.body));
  });

  router.post('/preview/decision', (req, res) => {
    const body = (req.body ?? {}) as { principal?: Partial<Principal>; request?: Partial<InferenceRequest> & { body?: unknown } };
    const principal = samplePrincipal(body.principal);
    const request = sampleRequest(body.request, deps.describeRequest);
    res.json({ principal, request, decision: policy.decide(principal, request) });
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

function sampleRequest(r: (Partial<InferenceRequest> & { body?: unknown }) | undefined, describe: AdminDeps['describeRequest']): InferenceRequest {
  if (!r || typeof r.path !== 'string' || !r.path.startsWith('/')) throw badRequest('request.path is required and starts with /.');
  const method = typeof r.method === 'string' ? r.method.toUpperCase() : 'POST';
  if (describe) return describe({ method, path: r.path, body: r.body });
  if (r.endpoint !== undefined && !endpointKinds.includes(r.endpoint as EndpointKind)) throw badRequest(`request.endpoint must be one of ${endpointKinds.join(', ')}.`);
  const body = r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {};
  return {
    method,
    path: r.path,
    endpoint: (r.endpoint as EndpointKind | undefined) ?? 'other',
    upstream: typeof r.upstream === 'string' ? r.upstream : '',
    model: typeof r.model === 'string' ? r.model : typeof body.model === 'string' ? body.model : undefined,
    stream: r.stream === true || body.stream === true,
    promptText: typeof r.promptText === 'string' ? r.promptText : '',
    ...(typeof r.maxTokens === 'number' ? { maxTokens: r.maxTokens } : {}),
    bodyBytes: typeof r.bodyBytes === 'number' ? r.bodyBytes : r.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(r.body)),
  };
}
