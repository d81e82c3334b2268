/**
 * Stage: await approval.
 * Rules enforced:
 * - a request whose decision is require_approval is not forwarded until approved by enough
 *   distinct approvers of its rule, or covered by an unexpired, unrevoked grant;
 * - denied → 403 approval_denied (with the approver's reason); no decision in time → 403
 *   approval_timeout; client gone → withdrawn; every step is audited (gateway/approvals/);
 * - a streaming request already answered 200 with SSE headers while it waited, so later
 *   failures must be written as SSE error events (res.headersSent).
 * Writes x.approval (and, for a held stream, x.outcome.firstByteMs) from what the approval
 * service returns. Any other decision passes through synchronously.
 */
import type { Decision } from '../core/types';
import type { Runtime } from '../runtime';
import type { Exchange, Stage } from './exchange';

export function awaitApproval(rt: Runtime): Stage {
  return (x) => {
    if (x.decision?.action !== 'require_approval') return;
    return holdForApproval(rt, x, x.decision);
  };
}

// A then rather than an async function: one promise less per held request (thousands may wait).
function holdForApproval(rt: Runtime, x: Exchange, decision: Decision): Promise<void> {
  const request = x.request;
  const held = rt.approvals.hold({
    requestId: x.id,
    principal: x.principal,
    decision,
    method: request?.method ?? x.req.method ?? 'GET',
    path: request?.path ?? x.path ?? '/',
    model: request?.model,
    endpoint: request?.endpoint,
    stream: !!request?.stream,
    res: x.res,
    clientGone: x.clientGone,
  });
  return held.then((result) => {
    if (result.approval) x.approval = result.approval;
    if (result.streamOpenedAt !== undefined) x.outcome.firstByteMs ??= result.streamOpenedAt - x.receivedAt;
    if (result.error) throw result.error;
  });
}
