import * as http from 'node:http';
import * as https from 'node:https';
import type { AdminEvent, ApprovalDecision, ApprovalView, AuditSummary, PendingApproval, PolicyInfo, VerifyReport } from './admin-types';
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
 * bearer token: the local admin token a started gateway writes, or an approver's token.
 */
export class AdminClient {
  readonly baseUrl: URL;

  constructor(
    baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.baseUrl = new URL(baseUrl.endsWith('/') ? baseUrl : baseUrl + '/');
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditSummary[]> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
    const body = await this.request('GET', `admin/audit${q.size ? `?${q}` : ''}`);
    return listOf<Record<string, unknown>>(body, 'records').map(toAuditSummary);
  }

  /** The full (masked) record, as stored. */
  getAudit(id: string): Promise<Record<string, unknown>> {
    return this.request('GET', `admin/audit/${encodeURIComponent(id)}`) as Promise<Record<string, unknown>>;
  }

  /** `GET /admin/audit/verify`: the chain verifier's report (gateway/core/audit/findings.ts), summarised. */
  async verifyAudit(): Promise<VerifyReport> {
    const body = (await this.request('GET', 'admin/audit/verify')) as Record<string, unknown>;
    const count = (v: unknown) => (typeof v === 'number' ? v : typeof (v as { total?: unknown })?.total === 'number' ? (v as { total: number }).total : undefined);
    const problems = (body.findings ?? body.problems ?? []) as VerifyReport['problems'];
    return { ok: typeof body.ok === 'boolean' ? body.ok : problems.length === 0, records: count(body.records), checkpoints: count(body.checkpoints), problems };
  }

  async pendingApprovals(): Promise<PendingApproval[]> {
    return listOf<ApprovalView>(await this.request('GET', 'admin/approvals?state=pending'), 'approvals').map(toPendingApproval);
  }

  /** One approval in any state (while the gateway remembers it). */
  getApproval(id: string): Promise<ApprovalView> {
    return this.request('GET', `admin/approvals/${encodeURIComponent(id)}`) as Promise<ApprovalView>;
  }

  /** Throws AdminApiError 409 (already decided) or 410 (timed out or withdrawn) when it is too late. */
  decide(id: string, decision: ApprovalDecision, reason?: string): Promise<unknown> {
    return this.request('POST', `admin/approvals/${encodeURIComponent(id)}/decision`, reason ? { decision, reason } : { decision });
  }

  policy(): Promise<PolicyInfo> {
    return this.request('GET', 'admin/policy') as Promise<PolicyInfo>;
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
            authorization: `Bearer ${this.token}`,
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
      headers: { authorization: `Bearer ${this.token}`, ...headers },
    });
  }

  private client(): typeof http | typeof https {
    return this.baseUrl.protocol === 'https:' ? https : http;
  }
}

/** Lists come either bare or wrapped (`{records: [...]}`, `{items: [...]}`). */
function listOf<T>(body: unknown, key: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const wrapped = body as Record<string, unknown> | undefined;
  const list = wrapped?.[key] ?? wrapped?.items ?? wrapped?.data;
  return Array.isArray(list) ? (list as T[]) : [];
}

/** The API names the principal as {issuer, subject, groups}; events and views use the subject. */
export function toPendingApproval(v: ApprovalView): PendingApproval {
  const { principal, ...rest } = v;
  return { ...rest, principal: typeof principal === 'string' ? principal : principal.subject };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads the summary fields of a full audit record (principal may be an object with a subject). */
export function toAuditSummary(r: Record<string, unknown>): AuditSummary {
  const principal = r.principal as { subject?: string } | string | undefined;
  const request = (r.request ?? {}) as Record<string, unknown>;
  const decision = r.decision as { action?: string; rule?: string } | string | undefined;
  const response = (r.response ?? {}) as Record<string, unknown>;
  return {
    id: String(r.id),
    seq: Number(r.seq ?? 0),
    kind: str(r.kind) ?? 'record',
    time: str(r.time) ?? str(r.ts) ?? str(r.timestamp),
    principal: typeof principal === 'string' ? principal : principal?.subject,
    decision: typeof decision === 'string' ? decision : decision?.action,
    rule: str(r.rule) ?? (typeof decision === 'object' ? decision?.rule : undefined),
    model: str(r.model) ?? str(request.model),
    status: typeof r.status === 'number' ? r.status : typeof response.status === 'number' ? response.status : undefined,
    method: str(r.method) ?? str(request.method),
    path: str(r.path) ?? str(request.path),
  };
}
