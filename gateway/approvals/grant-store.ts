import { randomUUID } from 'node:crypto';
import type { Principal } from '../core/types';
import type { ActorView, GrantView } from './types';

interface Grant {
  id: string;
  key: string;
  principal: ActorView;
  rule: string;
  model: string | undefined;
  approvalId: string;
  approvedBy: ActorView[];
  createdAt: number;
  expiresAt: number;
  uses: number;
}

/**
 * Grants created by approvals: "this principal may call this rule on this model until T".
 * Looked up by one Map key per request; expired grants are dropped lazily when met.
 */
export class GrantStore {
  private readonly byId = new Map<string, Grant>();
  private readonly byKey = new Map<string, Grant>();

  constructor(private readonly now: () => number) {}

  create(principal: ActorView, rule: string, model: string | undefined, ttlMs: number, approvalId: string, approvedBy: ActorView[]): GrantView {
    const key = grantKey(principal, rule, model);
    const previous = this.byKey.get(key);
    if (previous) this.byId.delete(previous.id);
    const createdAt = this.now();
    const grant: Grant = {
      id: `grt_${randomUUID()}`,
      key,
      principal: { issuer: principal.issuer, subject: principal.subject },
      rule,
      model,
      approvalId,
      approvedBy,
      createdAt,
      expiresAt: createdAt + ttlMs,
      uses: 0,
    };
    this.byId.set(grant.id, grant);
    this.byKey.set(key, grant);
    return view(grant);
  }

  /**
   * Puts back a grant from before a restart (read from the audit log). An expired one, or one
   * older than the grant already held for the same principal, rule and model, is ignored.
   * True when it was restored.
   */
  restore(g: GrantView): boolean {
    const expiresAt = Date.parse(g.expiresAt);
    const createdAt = Date.parse(g.createdAt);
    if (!(expiresAt > this.now()) || this.byId.has(g.id)) return false;
    const key = grantKey(g.principal, g.rule, g.model);
    const current = this.byKey.get(key);
    if (current && current.createdAt >= createdAt) return false;
    if (current) this.byId.delete(current.id);
    const grant: Grant = {
      id: g.id,
      key,
      principal: { issuer: g.principal.issuer, subject: g.principal.subject },
      rule: g.rule,
      model: g.model,
      approvalId: g.approvalId,
      approvedBy: g.approvedBy,
      createdAt,
      expiresAt,
      uses: g.uses,
    };
    this.byId.set(grant.id, grant);
    this.byKey.set(key, grant);
    return true;
  }

  /** The active grant covering this request, counting the use. */
  use(principal: Principal, rule: string, model: string | undefined): GrantView | undefined {
    if (this.byKey.size === 0) return undefined;
    const grant = this.byKey.get(grantKey(principal, rule, model));
    if (!grant) return undefined;
    if (grant.expiresAt <= this.now()) {
      this.drop(grant);
      return undefined;
    }
    grant.uses++;
    return view(grant);
  }

  list(): GrantView[] {
    const now = this.now();
    const out: GrantView[] = [];
    for (const grant of this.byId.values()) {
      if (grant.expiresAt <= now) this.drop(grant);
      else out.push(view(grant));
    }
    return out;
  }

  /** Removes an active grant; undefined when there is none with that id. */
  revoke(id: string, by: ActorView): GrantView | undefined {
    const grant = this.byId.get(id);
    if (!grant) return undefined;
    this.drop(grant);
    if (grant.expiresAt <= this.now()) return undefined;
    return { ...view(grant), revokedAt: new Date(this.now()).toISOString(), revokedBy: { issuer: by.issuer, subject: by.subject } };
  }

  private drop(grant: Grant): void {
    this.byId.delete(grant.id);
    if (this.byKey.get(grant.key) === grant) this.byKey.delete(grant.key);
  }
}

function grantKey(p: ActorView, rule: string, model: string | undefined): string {
  return `${p.issuer}\u0000${p.subject}\u0000${rule}\u0000${model ?? ''}`;
}

function view(g: Grant): GrantView {
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
