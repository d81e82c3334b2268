import * as http from 'node:http';
import * as https from 'node:https';
import type { AdminEvent, Approval, ApprovalList, ApprovalVerdict, AuditPage, AuditRecord, DecisionBody, InstanceList, PolicyInfo, VerifyReport } from '../../gateway/core/admin-api';
import type { AuditSummary, PendingApproval } from './admin-types';
import { EventStream, type EventStreamOptions } from './event-stream';

/** A non-2xx answer of the admin API, with the gateway's error code (OpenAI error shape). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

export interface AuditQuery {
  after?: string;
  principal?: string;
  decision?: string;
  model?: string;
  limit?: number;
}

/**
 * Client for the gateway's admin listener (DESIGN.md "Admin API"), over node:http(s) with a
 * bearer token: the local admin token a started gateway writes, or an approver's token. Bodies
 * are the contract's types (gateway/core/admin-api.ts), which the gateway's routes answer with.
 */
export class AdminClient {
  readonly baseUrl: URL;

  /** `token`: the bearer token, or a function giving the current one (a signed-in session refreshes it). */
  constructor(
    baseUrl: string,
    private readonly token: string | (() => string),
    private readonly timeoutMs = 15_000,
  ) {
    this.baseUrl = new URL(baseUrl.endsWith('/') ? baseUrl : baseUrl + '/');
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditSummary[]> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
    const page = (await this.request('GET', `admin/audit${q.size ? `?${q}` : ''}`)) as AuditPage;
    return page.data.map(toAuditSummary);
  }

  /** The full (masked) record, as stored. */
  getAudit(id: string): Promise<AuditRecord> {
    return this.request('GET', `admin/audit/${encodeURIComponent(id)}`) as Promise<AuditRecord>;
  }

  /** `GET /admin/audit/verify`: the chain verifier's report; the chain is intact when `findings` is empty. */
  verifyAudit(): Promise<VerifyReport> {
    return this.request('GET', 'admin/audit/verify') as Promise<VerifyReport>;
  }

  async pendingApprovals(): Promise<PendingApproval[]> {
    const list = (await this.request('GET', 'admin/approvals?state=pending')) as ApprovalList;
    return list.data.map(toPendingApproval);
  }

  /** One approval in any state (while the gateway remembers it). */
  getApproval(id: string): Promise<Approval> {
    return this.request('GET', `admin/approvals/${encodeURIComponent(id)}`) as Promise<Approval>;
  }

  /** Throws AdminApiError 409 (already decided) or 410 (timed out or withdrawn) when it is too late. */
  decide(id: string, decision: ApprovalVerdict, reason?: string): Promise<Approval> {
    const body: DecisionBody = reason ? { decision, reason } : { decision };
    return this.request('POST', `admin/approvals/${encodeURIComponent(id)}/decision`, body) as Promise<Approval>;
  }

  policy(): Promise<PolicyInfo> {
    return this.request('GET', 'admin/policy') as Promise<PolicyInfo>;
  }

  /** `GET /admin/instances`: the fleet's instances (embedded: the one), a differing policy version flagged. */
  instances(): Promise<InstanceList> {
    return this.request('GET', 'admin/instances') as Promise<InstanceList>;
  }

  /** Opens `GET /admin/events`; it reconnects with backoff and resumes with Last-Event-ID. */
  events(onEvent: (event: AdminEvent) => void, options: Partial<EventStreamOptions> = {}): EventStream {
    return new EventStream(
      (lastEventId) => this.open('admin/events', { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }),
      onEvent,
      options,
    );
  }

  /** Sends a JSON request; resolves with the parsed body of a 2xx answer. */
  request(method: string, path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = this.client().request(
        new URL(path, this.baseUrl),
        {
          method,
          timeout: this.timeoutMs,
          headers: {
            authorization: `Bearer ${typeof this.token === 'function' ? this.token() : this.token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // not JSON: keep the text for the error message
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(parsed);
            const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
            reject(new AdminApiError(status, err?.code, err?.message ?? `${method} /${path} answered ${status}`, parsed));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} /${path} timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private open(path: string, headers: Record<string, string>): http.ClientRequest {
    return this.client().request(new URL(path, this.baseUrl), {
      method: 'GET',
      headers: { authorization: `Bearer ${typeof this.token === 'function' ? this.token() : this.token}`, ...headers },
    });
  }

  private client(): typeof http | typeof https {
    return this.baseUrl.protocol === 'https:' ? https : http;
  }
}

/** The API names the principal as {issuer, subject, groups}; events and views use the subject. */
export function toPendingApproval(v: Approval): PendingApproval {
  return {
    id: v.id, principal: v.principal.subject, method: v.method, path: v.path, rule: v.rule, expiresAt: v.expiresAt, requestedAt: v.requestedAt,
    ...(v.model !== undefined ? { model: v.model } : {}),
  };
}

/** The summary fields of a full audit record (a checkpoint or outage record has no principal or decision). */
export function toAuditSummary(r: AuditRecord): AuditSummary {
  return {
    id: r.id,
    seq: r.seq,
    kind: r.kind,
    time: r.time,
    principal: r.principal?.subject,
    decision: r.decision?.action,
    rule: r.decision?.rule,
    model: r.model,
    status: r.status,
    method: r.method,
    path: r.path,
    ...(r.usage ? { tokens: r.usage.totalTokens } : {}),
    ...(r.cost ? { cost: r.cost.amount, costCurrency: r.cost.currency } : {}),
    ...(r.clientAddress !== undefined ? { clientAddress: r.clientAddress } : {}),
    ...(r.userAgent !== undefined ? { userAgent: r.userAgent } : {}),
  };
}
