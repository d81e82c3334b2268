import type { ApprovalTerms } from '../core/approvals/approval-record';
import type { Decision } from '../core/types';
import type { Approvals } from '../generated/gatehouse.config';

/** The config section with its defaults applied. */
export interface ApprovalDefaults {
  defaultWaitSeconds: number;
  maxWaitSeconds: number;
  maxGrantTtlSeconds: number;
  keepAliveSeconds: number;
  streamKeepAlive: boolean;
  maxPending: number;
  historySize: number;
}

export function approvalDefaults(cfg: Approvals | undefined): ApprovalDefaults {
  return {
    defaultWaitSeconds: cfg?.defaultWaitSeconds ?? 120,
    maxWaitSeconds: cfg?.maxWaitSeconds ?? 300,
    maxGrantTtlSeconds: cfg?.maxGrantTtlSeconds ?? 86_400,
    keepAliveSeconds: cfg?.keepAliveSeconds ?? 15,
    streamKeepAlive: cfg?.streamKeepAlive ?? true,
    maxPending: cfg?.maxPending ?? 10_000,
    historySize: cfg?.historySize ?? 1000,
  };
}

/**
 * A rule without approvers can still be approved by the local admin (the machine owner);
 * a missing or invalid timeout takes the default; every wait is clamped to maxWaitSeconds.
 */
export function ruleApproval(approval: Decision['approval'], d: ApprovalDefaults): ApprovalTerms {
  const wait = positive(approval?.timeoutSeconds) ?? d.defaultWaitSeconds;
  const ttl = positive(approval?.grantTtlSeconds) ?? 0;
  return {
    groups: approval?.approvers?.groups ?? [],
    subjects: approval?.approvers?.subjects ?? [],
    minApprovals: Math.max(1, Math.floor(approval?.minApprovals ?? 1)),
    waitMs: Math.min(wait, d.maxWaitSeconds) * 1000,
    grantTtlMs: Math.min(ttl, d.maxGrantTtlSeconds) * 1000,
  };
}

function positive(n: number | undefined): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}
