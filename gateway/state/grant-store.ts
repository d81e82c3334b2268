import type { Grant } from '../core/admin-api';
import type { ApprovalActor } from '../core/approvals/approval-record';

/** A grant to make: the approval's id mints the grant's `id` beforehand so the record can name it. */
export interface NewGrant {
  id: string;
  principal: ApprovalActor;
  rule: string;
  model: string | undefined;
  ttlMs: number;
  approvalId: string;
  approvedBy: ApprovalActor[];
}

/**
 * Grants made by approvals: "this principal may call this rule on this model until T", one per
 * (issuer, subject, rule, model). One instance's memory by default (`memory-grant-store.ts`);
 * a fleet shares them, so a grant made through one instance admits the caller on another and a
 * revocation reaches every instance. Times come from the store's clock, given at construction.
 *
 * Contract: test/contract/grant-store.ts.
 */
export interface GrantStore {
  /** Makes a grant lasting ttlMs from now, replacing the one for the same principal, rule and model. */
  make(grant: NewGrant): Promise<Grant>;
  /** The unexpired, unrevoked grant covering this principal (issuer and subject), rule and model, counting one use. */
  use(principal: ApprovalActor, rule: string, model: string | undefined): Promise<Grant | undefined>;
  /** Grants that are neither expired nor revoked. */
  list(): Promise<Grant[]>;
  /** Revokes an active grant; undefined when no active grant has that id. */
  revoke(id: string, by: ApprovalActor): Promise<Grant | undefined>;
  /**
   * Puts back a grant from before a restart (read from the audit log). An expired one, one it
   * has, or one older than the grant it holds for the same principal, rule and model is ignored.
   * True when it was restored.
   */
  restore(grant: Grant): Promise<boolean>;
  close(): Promise<void>;
}

/** A grant as the stores keep it (times in ms since the epoch). */
export interface StoredGrant {
  id: string;
  principal: ApprovalActor;
  rule: string;
  model: string | undefined;
  approvalId: string;
  approvedBy: ApprovalActor[];
  createdAt: number;
  expiresAt: number;
  uses: number;
}

/** The admin API's view of a stored grant (one shape for every store). */
export function grantView(g: StoredGrant): Grant {
  return {
    id: g.id,
    principal: g.principal,
    rule: g.rule,
    ...(g.model !== undefined ? { model: g.model } : {}),
    approvalId: g.approvalId,
    approvedBy: g.approvedBy,
    createdAt: new Date(g.createdAt).toISOString(),
    expiresAt: new Date(g.expiresAt).toISOString(),
    uses: g.uses,
  };
}
