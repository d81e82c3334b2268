/**
 * Stage: await approval.
 * Rules enforced:
 * - a request whose decision is require_approval is not forwarded until approved by enough
 *   distinct approvers of its rule, or covered by an unexpired, unrevoked grant;
 * - denied → 403 approval_denied (with the approver's reason); no decision in time → 403
 *   approval_timeout; client gone → withdrawn; every step is audited (gateway/approvals/);
 * - a streaming request already answered 200 with SSE headers while it waited, so later
 *   failures must be written as SSE error events (res.headersSent).
 * Sets x.approval. Any other decision passes through synchronously.
 */
import type { Runtime } from '../runtime';
import type { Stage } from './exchange';

export function awaitApproval(rt: Runtime): Stage {
  return (x) => {
    if (x.decision?.action !== 'require_approval') return;
    return rt.approvals.await(x);
  };
}
