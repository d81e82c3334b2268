import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Decision, InferenceRequest, Principal } from '../../gateway/core/types';
import { awaitApproval } from '../../gateway/pipeline/await-approval';
import { ClientGoneSignal } from '../../gateway/pipeline/client-gone';
import type { Exchange } from '../../gateway/pipeline/exchange';
import type { ApprovalService, Runtime } from '../../gateway/runtime';

export const caller = (subject = 'ci-deployer', groups: string[] = ['ci']): Principal => ({ issuer: 'https://issuer.test', subject, groups });
export const approver = (subject = 'ml-lead', groups: string[] = ['ml-leads']): Principal => ({ issuer: 'https://issuer.test', subject, groups });

export function requireApproval(approval: Partial<NonNullable<Decision['approval']>> = {}, rule = 'fine-tune-needs-approval'): Decision {
  return {
    action: 'require_approval',
    rule,
    reasons: [`rule ${rule} requires approval`],
    limits: {},
    masks: [],
    approval: {
      approvers: approval.approvers ?? { groups: ['ml-leads'] },
      minApprovals: approval.minApprovals ?? 1,
      timeoutSeconds: approval.timeoutSeconds ?? 30,
      ...(approval.grantTtlSeconds !== undefined ? { grantTtlSeconds: approval.grantTtlSeconds } : {}),
    },
    explain: [],
    policyVersion: 'sha256:test',
  };
}

export function inferenceRequest(over: Partial<InferenceRequest> = {}): InferenceRequest {
  return {
    method: 'POST',
    path: '/v1/fine_tuning/jobs',
    endpoint: 'fine-tuning',
    upstream: 'openai',
    model: 'gpt-4o',
    stream: false,
    promptText: '',
    bodyBytes: 2,
    ...over,
  };
}

/**
 * An Exchange for driving the approval service directly. req/res are only touched for
 * streaming requests; pass real ones from an http server for those.
 */
export function buildExchange(
  opts: { principal?: Principal; decision?: Decision; request?: Partial<InferenceRequest>; req?: IncomingMessage; res?: ServerResponse } = {},
): Exchange & { abort(): void } {
  // The gateway's own client-gone signal (what an HttpExchange gives), so memory figures are the gateway's.
  const gone = new ClientGoneSignal();
  return {
    id: `req_${randomUUID()}`,
    req: opts.req ?? ({ method: 'POST', url: '/v1/fine_tuning/jobs' } as IncomingMessage),
    res: opts.res ?? ({} as ServerResponse),
    receivedAt: Date.now(),
    startNs: process.hrtime.bigint(),
    principal: opts.principal ?? caller(),
    request: inferenceRequest(opts.request),
    decision: opts.decision ?? requireApproval(),
    maskReport: [],
    outcome: { responseBytes: 0, clientAborted: false },
    clientGone: gone,
    abort: () => gone.abort(),
  };
}

/** Runs the await-approval stage with this approval service, as the pipeline does (it writes x.approval). */
export function awaitApprovalOf(service: ApprovalService, x: Exchange): Promise<void> {
  return Promise.resolve(awaitApproval({ approvals: service } as Runtime)(x));
}
