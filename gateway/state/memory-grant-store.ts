import type { Grant } from '../core/admin-api';
import type { ApprovalActor } from '../core/approvals/approval-record';
import { grantView, type GrantStore, type NewGrant, type StoredGrant } from './grant-store';

/** A grant with its lookup key. */
interface Held extends StoredGrant {
  key: string;
}

/**
 * Grants in this process's memory, looked up by one Map key per request; expired grants are
 * dropped lazily when met. After a restart they come back from the audit log (`restore`).
 */
export class MemoryGrantStore implements GrantStore {
  private readonly byId = new Map<string, Held>();
  private readonly byKey = new Map<string, Held>();

  /** `now`: wall clock in ms (tests move it to expire grants). */
  constructor(private readonly now: () => number = Date.now) {}

  async make(g: NewGrant): Promise<Grant> {
    const createdAt = this.now();
    const grant = this.put({ ...g, principal: actor(g.principal), key: grantKey(g.principal, g.rule, g.model), createdAt, expiresAt: createdAt + g.ttlMs, uses: 0 });
    return view(grant);
  }

  async restore(g: Grant): Promise<boolean> {
    const expiresAt = Date.parse(g.expiresAt);
    const createdAt = Date.parse(g.createdAt);
    if (!(expiresAt > this.now()) || this.byId.has(g.id)) return false;
    const key = grantKey(g.principal, g.rule, g.model);
    const current = this.byKey.get(key);
    if (current && current.createdAt >= createdAt) return false;
    this.put({ id: g.id, key, principal: actor(g.principal), rule: g.rule, model: g.model, approvalId: g.approvalId, approvedBy: g.approvedBy, createdAt, expiresAt, uses: g.uses });
    return true;
  }

  async use(principal: ApprovalActor, rule: string, model: string | undefined): Promise<Grant | undefined> {
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

  async list(): Promise<Grant[]> {
    const now = this.now();
    const out: Grant[] = [];
    for (const grant of this.byId.values()) {
      if (grant.expiresAt <= now) this.drop(grant);
      else out.push(view(grant));
    }
    return out;
  }

  async revoke(id: string, by: ApprovalActor): Promise<Grant | undefined> {
    const grant = this.byId.get(id);
    if (!grant) return undefined;
    this.drop(grant);
    if (grant.expiresAt <= this.now()) return undefined;
    return { ...view(grant), revokedAt: new Date(this.now()).toISOString(), revokedBy: actor(by) };
  }

  async close(): Promise<void> {}

  /** Stores a grant as the one for its key, replacing (and forgetting) the previous one. */
  private put(grant: Held): Held {
    const previous = this.byKey.get(grant.key);
    if (previous) this.byId.delete(previous.id);
    this.byId.set(grant.id, grant);
    this.byKey.set(grant.key, grant);
    return grant;
  }

  private drop(grant: Held): void {
    this.byId.delete(grant.id);
    if (this.byKey.get(grant.key) === grant) this.byKey.delete(grant.key);
  }
}

function actor(p: ApprovalActor): ApprovalActor {
  return { issuer: p.issuer, subject: p.subject };
}

function grantKey(p: ApprovalActor, rule: string, model: string | undefined): string {
  return `${p.issuer}\u0000${p.subject}\u0000${rule}\u0000${model ?? ''}`;
}

const view = (g: Held): Grant => grantView(g);
