import type { Grant } from '../core/admin-api';
import type { ApprovalActor } from '../core/approvals/approval-record';
import { grantView, type GrantStore, type NewGrant } from './grant-store';
import type { PostgresState } from './postgres-state';

interface GrantRow {
  id: string;
  body: { principal: ApprovalActor; rule: string; model?: string; approvalId: string; approvedBy: ApprovalActor[] };
  created_at: string;
  expires_at: string;
  uses: number;
}

/**
 * Grants in the fleet's PostgreSQL, one row per (issuer, subject, rule, model): a grant made
 * through one instance covers the caller on every other, and a revocation (a delete) is seen by
 * the next request anywhere. `use` is one statement that checks and counts. Times are the store's
 * clock (`now`), given by the caller, as the memory store's are.
 */
export class PostgresGrantStore implements GrantStore {
  constructor(private readonly pg: PostgresState, private readonly now: () => number = Date.now) {}

  async make(g: NewGrant): Promise<Grant> {
    const createdAt = this.now();
    const [row] = await this.pg.query<GrantRow>(
      `INSERT INTO grants (id, grant_key, body, created_at, expires_at, uses) VALUES ($1, $2, $3, $4, $5, 0)
       ON CONFLICT (grant_key) DO UPDATE SET id = EXCLUDED.id, body = EXCLUDED.body, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, uses = 0
       RETURNING *`,
      [g.id, grantKey(g.principal, g.rule, g.model), bodyOf(g), createdAt, createdAt + g.ttlMs],
    );
    return view(row);
  }

  async restore(g: Grant): Promise<boolean> {
    const createdAt = Date.parse(g.createdAt);
    const expiresAt = Date.parse(g.expiresAt);
    if (!(expiresAt > this.now())) return false;
    const rows = await this.pg.query(
      `INSERT INTO grants (id, grant_key, body, created_at, expires_at, uses)
       SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM grants WHERE id = $1)
       ON CONFLICT (grant_key) DO UPDATE SET id = EXCLUDED.id, body = EXCLUDED.body, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, uses = EXCLUDED.uses
       WHERE grants.created_at < EXCLUDED.created_at
       RETURNING 1`,
      [g.id, grantKey(g.principal, g.rule, g.model), bodyOf(g), createdAt, expiresAt, g.uses],
    );
    return rows.length > 0;
  }

  async use(principal: ApprovalActor, rule: string, model: string | undefined): Promise<Grant | undefined> {
    const [row] = await this.pg.query<GrantRow>('UPDATE grants SET uses = uses + 1 WHERE grant_key = $1 AND expires_at > $2 RETURNING *', [grantKey(principal, rule, model), this.now()]);
    return row && view(row);
  }

  async list(): Promise<Grant[]> {
    const rows = await this.pg.query<GrantRow>('SELECT * FROM grants WHERE expires_at > $1 ORDER BY created_at, id', [this.now()]);
    return rows.map(view);
  }

  async revoke(id: string, by: ApprovalActor): Promise<Grant | undefined> {
    const now = this.now();
    const [row] = await this.pg.query<GrantRow>('DELETE FROM grants WHERE id = $1 RETURNING *', [id]);
    if (!row || Number(row.expires_at) <= now) return undefined;
    return { ...view(row), revokedAt: new Date(now).toISOString(), revokedBy: { issuer: by.issuer, subject: by.subject } };
  }

  async close(): Promise<void> {}
}

function bodyOf(g: Pick<Grant, 'principal' | 'rule' | 'model' | 'approvalId' | 'approvedBy'>): string {
  return JSON.stringify({ principal: { issuer: g.principal.issuer, subject: g.principal.subject }, rule: g.rule, ...(g.model !== undefined ? { model: g.model } : {}), approvalId: g.approvalId, approvedBy: g.approvedBy });
}

/** The grant's lookup key, as text PostgreSQL accepts (no NUL): JSON of its parts. */
function grantKey(p: ApprovalActor, rule: string, model: string | undefined): string {
  return JSON.stringify([p.issuer, p.subject, rule, model ?? null]);
}

function view(row: GrantRow): Grant {
  return grantView({ id: row.id, ...row.body, model: row.body.model, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at), uses: row.uses });
}
