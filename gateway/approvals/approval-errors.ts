import { GatehouseError } from '../errors';

/**
 * Errors of the approval flow. The data-path codes (approval_denied, approval_timeout) are
 * what SDK users see in `error.code`, so they are plain words rather than ERR_ codes;
 * the admin API's refusals use ERR_APPROVAL_*.
 */
export const approvalErrors = {
  denied: (approvalId: string, by: string, reason: string | undefined) =>
    new GatehouseError(403, 'approval_denied', `Request denied by approver ${by}${reason ? `: ${reason}` : ''} (approval ${approvalId}).`, {
      details: { approvalId },
    }),
  timeout: (approvalId: string, seconds: number) =>
    new GatehouseError(403, 'approval_timeout', `No approver decided within ${seconds} s; the request was not forwarded (approval ${approvalId}).`, {
      details: { approvalId },
    }),
  withdrawn: (approvalId: string | undefined) =>
    new GatehouseError(499, 'approval_withdrawn', 'The client closed the connection while the request waited for approval.', {
      details: approvalId ? { approvalId } : {},
    }),
  capacity: (max: number) =>
    new GatehouseError(503, 'ERR_APPROVAL_CAPACITY', `Too many requests are waiting for approval (${max}); try again later.`, {
      headers: { 'retry-after': '30' },
    }),
  audit: (cause: unknown) => new GatehouseError(503, 'ERR_APPROVAL_AUDIT', 'The approval step could not be audited.', { cause }),
  shutdown: () => new GatehouseError(503, 'ERR_APPROVAL_SHUTDOWN', 'The gateway is shutting down; the request was not forwarded.'),
  noPrincipal: () => new GatehouseError(500, 'ERR_APPROVAL_NO_PRINCIPAL', 'approval requested for an unidentified caller'),
  notFound: (id: string) => new GatehouseError(404, 'ERR_APPROVAL_NOT_FOUND', `No approval ${id} (unknown, or decided too long ago to be remembered).`),
  expired: (id: string, state: 'timeout' | 'withdrawn' | 'abandoned') =>
    new GatehouseError(410, 'ERR_APPROVAL_EXPIRED', `Approval ${id} is no longer waiting: ${expiredBecause[state]}.`),
  alreadyDecided: (id: string, state: string) => new GatehouseError(409, 'ERR_APPROVAL_ALREADY_DECIDED', `Approval ${id} was already decided (${state}).`),
  alreadyVoted: (id: string) => new GatehouseError(409, 'ERR_APPROVAL_ALREADY_DECIDED', `You already approved ${id}; another approver must add theirs.`),
  self: () => new GatehouseError(403, 'ERR_APPROVAL_SELF', 'You cannot decide on your own request.'),
  notApprover: (rule: string) => new GatehouseError(403, 'ERR_APPROVAL_NOT_APPROVER', `You are not an approver of rule ${rule}.`),
  grantNotFound: (id: string) => new GatehouseError(404, 'ERR_APPROVAL_GRANT_NOT_FOUND', `No active grant ${id}.`),
};

const expiredBecause = { timeout: 'it timed out', withdrawn: 'the client withdrew it', abandoned: 'the gateway instance holding it stopped' };
