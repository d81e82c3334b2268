import { newId } from '../new-id';
import type { Request, Response } from 'express';
import type { Principal } from '../core/types';
import { principalPart } from '../audit/record-builder';
import type { AuditRecord } from '../generated/audit-record';
import { GatehouseError } from '../errors';
import type { AuditService } from '../runtime';

export type AdminDetails = NonNullable<AuditRecord['admin']>;
export type AdminAction = AdminDetails['action'];
/** What a route adds to its record: everything but what the request itself says (action, credential, role). */
export type AdminFacts = Omit<AdminDetails, 'action' | 'credential' | 'role'>;

/** Admin routes and the action each one is, in one table (the error path and the auth refusal look the action up here too). */
const actions: [method: string, path: RegExp, action: AdminAction][] = [
  ['GET', /^\/admin\/events\/?$/, 'events.follow'],
  ['GET', /^\/admin\/audit\/?$/, 'audit.query'],
  ['GET', /^\/admin\/audit\/verify\/?$/, 'audit.verify'],
  ['GET', /^\/admin\/audit\/[^/]+\/?$/, 'audit.read'],
  ['GET', /^\/admin\/approvals\/?$/, 'approvals.list'],
  ['GET', /^\/admin\/approvals\/[^/]+\/?$/, 'approval.read'],
  ['POST', /^\/admin\/approvals\/[^/]+\/decision\/?$/, 'approval.decide'],
  ['GET', /^\/admin\/grants\/?$/, 'grants.list'],
  ['DELETE', /^\/admin\/grants\/[^/]+\/?$/, 'grant.revoke'],
  ['GET', /^\/admin\/policy\/?$/, 'policy.read'],
  ['POST', /^\/admin\/policy\/reload\/?$/, 'policy.reload'],
  ['GET', /^\/admin\/instances\/?$/, 'instances.list'],
  ['POST', /^\/admin\/preview\/mask\/?$/, 'preview.mask'],
  ['POST', /^\/admin\/preview\/decision\/?$/, 'preview.decision'],
  ['POST', /^\/admin\/sinks\/[^/]+\/reset\/?$/, 'sink.reset'],
  ['GET', /^\/metrics\/?$/, 'metrics.read'],
];

/** The action a request on the admin listener is (`unknown` for no such route). */
export function adminActionOf(method: string, path: string): AdminAction {
  return actions.find(([m, p]) => m === method && p.test(path))?.[2] ?? 'unknown';
}

/**
 * Every authenticated admin request leaves one `admin` record in the chain, durable before its
 * answer is sent: the admin principal, how it authenticated (the local admin token or an OIDC
 * token), the action, what it was about and the status answered. A read writes one record per
 * request, however many records it returns, and the record says how many.
 *
 * Reads are not rate-collapsed into a summary: a summary is written at the end of its interval,
 * and the answers it counts would wait for it (as refused 401s do) — every Audit Log view refresh
 * would stall for the interval. The view reads once per connect or filter change and then follows
 * the event stream (one `events.follow` record per stream), so a record per read stays small.
 * Reading the log is not recursive: the record of a read is written after the read, so the read
 * never returns its own record, and the next read returns it once.
 */
export async function recordAdmin(audit: Pick<AuditService, 'note'>, req: Request, res: Response, status: number, facts: AdminFacts & { errorCode?: string } = {}): Promise<void> {
  const { errorCode, ...rest } = facts;
  const principal = res.locals.principal as Principal | undefined;
  const path = req.originalUrl.split('?', 1)[0]!;
  const admin: AdminDetails = {
    action: adminActionOf(req.method, path),
    credential: res.locals.credential === 'admin-token' ? 'admin-token' : 'token',
    role: res.locals.role === 'admin' ? 'admin' : 'approver',
    ...rest,
  };
  const requestId = adminRequestId(res);
  await audit
    .note('admin', {
      requestId,
      principal: principalPart(principal),
      source: req.socket.remoteAddress,
      method: req.method,
      path,
      status,
      errorCode,
      admin,
    })
    .catch((err) => {
      throw new GatehouseError(503, 'ERR_AUDIT_UNAVAILABLE', 'The audit log cannot be written; the admin action was not answered.', { cause: err, headers: { 'retry-after': '1' } });
    });
}

/** Records the request, then answers it with `body` as JSON: the admin never sees an answer whose record could still be lost. */
export async function answerRecorded(audit: Pick<AuditService, 'note'>, req: Request, res: Response, body: unknown, facts: AdminFacts = {}, status = 200): Promise<void> {
  await recordAdmin(audit, req, res, status, facts);
  res.status(status).json(body);
}

/** The admin request's id (sent back in x-request-id and kept in its record), made on first use. */
export function adminRequestId(res: Response): string {
  let id = res.getHeader('x-request-id');
  if (typeof id !== 'string') {
    id = newId('adm_');
    if (!res.headersSent) res.setHeader('x-request-id', id);
  }
  return id;
}
