import { randomUUID } from 'node:crypto';
import type { Principal } from '../core/types';
import type { GatehouseError } from '../errors';
import type { EventBus } from '../events';
import type { Approvals } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import type { Exchange } from '../pipeline/exchange';
import type { ApprovalService, AuditService } from '../runtime';
import { CommentTicker } from '../sse/comment-ticker';
import { openHeldStream } from '../sse/sse-error';
import { approvalErrors } from './approval-errors';
import { approvalDefaults, ruleApproval, type RuleApproval } from './approval-settings';
import { GrantStore } from './grant-store';
import { actor, mayApprove, toView, type Held } from './held-approval';
import { sameActor, type ApprovalState, type ApprovalVerdict, type ApprovalView, type GrantView } from './types';

export interface ApprovalServiceDeps {
  log: Logger;
  events: EventBus;
  /** `query` lets `restoreGrants` read the grants of earlier runs back from the log. */
  audit: Pick<AuditService, 'note' | 'query'>;
  /** Wall clock in ms; tests move it to expire grants. Wait timers use real time. */
  now?: () => number;
}

/**
 * Holds require_approval requests until enough approvers decide, the wait runs out or the
 * client leaves. A held request costs one Map entry, one timer (Node keeps all timers of one
 * duration in a single list behind one native timer), one promise and an abort listener;
 * held streaming requests share one keep-alive interval.
 *
 * Streaming requests (stream: true) get 200 and SSE headers at once, then a
 * `: waiting for approval` comment every keepAliveSeconds, so proxies and SDKs with idle
 * timeouts keep the connection. A denial or timeout after that arrives as an SSE `error`
 * event written by the pipeline's error path (respondError sees isHeldStream(res)); the OpenAI
 * SDK raises it as an APIError with code approval_denied / approval_timeout. An approval lets
 * the forwarder stream the upstream's events into the already-open response.
 * Non-streaming requests are held without headers and denied with a plain 403.
 */
export function createApprovalService(cfg: Approvals | undefined, deps: ApprovalServiceDeps): ApprovalService {
  const settings = approvalDefaults(cfg);
  const now = deps.now ?? Date.now;
  const { log, events, audit } = deps;
  const pending = new Map<string, Held>();
  const history = new Map<string, Held>();
  const grants = new GrantStore(now);
  const keepAlive = new CommentTicker(settings.keepAliveSeconds * 1000, 'waiting for approval');
  let closed = false;

  function remember(held: Held): void {
    if (settings.historySize === 0) return;
    history.set(held.id, held);
    if (history.size > settings.historySize) history.delete(history.keys().next().value as string);
  }

  /** Moves a held approval to a final state (once: callers check state === 'pending'). */
  function settle(held: Held, state: Exclude<ApprovalState, 'pending'>): void {
    held.state = state;
    held.decidedAt = now();
    pending.delete(held.id);
    remember(held);
    if (held.timer) clearTimeout(held.timer);
    held.detach?.();
    held.timer = undefined;
    held.detach = undefined;
    // A held stream stays open: the pipeline's error path ends it with an SSE error event once
    // the outcome (status, code, x.approval) is set, so the audit record is complete.
    if (held.stream) {
      keepAlive.delete(held.stream);
      held.stream = undefined;
    }
    const by = state === 'denied' ? held.deniedBy?.subject : state === 'approved' ? held.votes.map((v) => v.subject).join(', ') : undefined;
    events.emit('approval.resolved', { id: held.id, state, ...(by ? { by } : {}), ...(held.reason ? { reason: held.reason } : {}) });
  }

  /** Ends the held promise once and drops its closures, so remembered approvals keep no request alive. */
  function release(held: Held, err?: Error): void {
    const { resolve, reject } = held;
    held.resolve = held.reject = undefined;
    if (err) reject?.(err);
    else resolve?.();
  }

  async function note(kind: string, held: Held, fields: Record<string, unknown>): Promise<void> {
    await audit.note(kind, { approvalId: held.id, requestId: held.requestId, principal: actor(held.principal), model: held.model, rule: held.rule, ...fields });
  }

  /** Notes a final step; its failure is logged (the request fails anyway, so it is already closed). */
  function noteQuietly(kind: string, held: Held, fields: Record<string, unknown>): void {
    note(kind, held, fields).catch((err) => log.error('approval audit failed', { approvalId: held.id, kind, error: String(err) }));
  }

  function timeOut(held: Held): void {
    if (held.state !== 'pending') return;
    const err = approvalErrors.timeout(held.id, Math.round((held.expiresAt - held.requestedAt) / 1000));
    settle(held, 'timeout');
    noteQuietly('approval_timeout', held, { waitedMs: now() - held.requestedAt });
    release(held, err);
  }

  function withdraw(held: Held, reason: string): GatehouseError {
    const err = reason === 'shutdown' ? approvalErrors.shutdown() : approvalErrors.withdrawn(held.id);
    held.reason = reason === 'shutdown' ? 'gateway shutting down' : undefined;
    settle(held, 'withdrawn');
    noteQuietly('approval_withdrawn', held, { reason, waitedMs: now() - held.requestedAt });
    return err;
  }

  async function useGrant(x: Exchange, principal: Principal, rule: string): Promise<boolean> {
    const grant = grants.use(principal, rule, x.request?.model);
    if (!grant) return false;
    try {
      await audit.note('grant_used', {
        grantId: grant.id,
        approvalId: grant.approvalId,
        requestId: x.id,
        principal: actor(principal),
        rule,
        model: grant.model,
        expiresAt: grant.expiresAt,
      });
    } catch (err) {
      throw approvalErrors.audit(err);
    }
    x.approval = { id: grant.approvalId, state: 'granted', by: grant.approvedBy.map((a) => a.subject) };
    return true;
  }

  function hold(x: Exchange, held: Held): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      held.resolve = resolve;
      held.reject = reject;
      held.timer = setTimeout(timeOut, Math.max(0, held.expiresAt - now()), held);
      const onAbort = () => {
        if (held.state === 'pending') release(held, withdraw(held, 'client_closed'));
      };
      x.clientGone.addEventListener('abort', onAbort, { once: true });
      held.detach = () => x.clientGone.removeEventListener('abort', onAbort);
    });
  }

  /** Tells approvers (event stream) and opens the keep-alive stream of a streaming request. */
  function announce(x: Exchange, held: Held): void {
    events.emit('approval.requested', {
      id: held.id,
      principal: held.principal.subject,
      method: held.method,
      path: held.path,
      ...(held.model !== undefined ? { model: held.model } : {}),
      rule: held.rule,
      expiresAt: new Date(held.expiresAt).toISOString(),
    });
    if (!held.streaming) return;
    openHeldStream(x.res, held.id, 'waiting for approval');
    x.outcome.firstByteMs ??= Date.now() - x.receivedAt;
    held.stream = x.res;
    keepAlive.add(x.res);
  }

  const service: ApprovalService = {
    get pendingCount() {
      return pending.size;
    },

    async await(x: Exchange): Promise<void> {
      const decision = x.decision;
      if (!decision || decision.action !== 'require_approval') return;
      const principal = x.principal;
      if (!principal) throw approvalErrors.noPrincipal();
      if (closed) throw approvalErrors.shutdown();
      if (x.clientGone.aborted) throw approvalErrors.withdrawn(undefined);
      if (await useGrant(x, principal, decision.rule)) return;
      if (pending.size >= settings.maxPending) throw approvalErrors.capacity(settings.maxPending);

      const rule: RuleApproval = ruleApproval(decision.approval, settings);
      const requestedAt = now();
      const request = x.request;
      const held: Held = {
        id: `apr_${randomUUID()}`,
        requestId: x.id,
        state: 'pending',
        principal,
        method: request?.method ?? x.req.method ?? 'GET',
        path: request?.path ?? x.path ?? '/',
        model: request?.model,
        endpoint: request?.endpoint,
        rule: decision.rule,
        policyVersion: decision.policyVersion,
        approval: rule,
        requestedAt,
        expiresAt: requestedAt + rule.waitMs,
        votes: [],
        streaming: !!request?.stream && settings.streamKeepAlive,
      };
      try {
        await note('approval_requested', held, {
          method: held.method,
          path: held.path,
          policyVersion: held.policyVersion,
          approvers: { groups: rule.groups, subjects: rule.subjects },
          minApprovals: rule.minApprovals,
          expiresAt: new Date(held.expiresAt).toISOString(),
        });
      } catch (err) {
        throw approvalErrors.audit(err);
      }
      if (closed) throw approvalErrors.shutdown();
      pending.set(held.id, held);
      try {
        if (x.clientGone.aborted) throw withdraw(held, 'client_closed');
        announce(x, held);
        await hold(x, held);
      } finally {
        x.approval = {
          id: held.id,
          state: held.state === 'pending' ? 'withdrawn' : (held.state as 'approved' | 'denied' | 'timeout' | 'withdrawn'),
          by: (held.state === 'denied' && held.deniedBy ? [held.deniedBy] : held.votes).map((v) => v.subject),
          ...(held.reason ? { reason: held.reason } : {}),
        };
      }
    },

    async decide(id: string, approver: Principal, verdict: ApprovalVerdict, reason?: string): Promise<ApprovalView> {
      const held = pending.get(id);
      if (!held) {
        const past = history.get(id);
        if (!past) throw approvalErrors.notFound(id);
        if (past.state === 'timeout' || past.state === 'withdrawn') throw approvalErrors.expired(id, past.state);
        throw approvalErrors.alreadyDecided(id, past.state);
      }
      if (sameActor(approver, held.principal)) throw approvalErrors.self();
      if (!mayApprove(approver, held.approval)) throw approvalErrors.notApprover(held.rule);
      if (held.votes.some((v) => sameActor(v, approver))) throw approvalErrors.alreadyVoted(id);

      const vote = { issuer: approver.issuer, subject: approver.subject, at: now(), ...(reason ? { reason } : {}) };
      if (verdict === 'deny') {
        held.deniedBy = vote;
        held.reason = reason;
        const err = approvalErrors.denied(held.id, approver.subject, reason);
        settle(held, 'denied');
        release(held, err);
        try {
          await note('approval_denied', held, { by: actor(approver), reason });
        } catch (auditErr) {
          log.error('approval audit failed', { approvalId: id, kind: 'approval_denied', error: String(auditErr) });
          throw approvalErrors.audit(auditErr);
        }
        return toView(held);
      }

      held.votes.push(vote);
      if (held.votes.length < held.approval.minApprovals) {
        try {
          await note('approval_vote', held, { by: actor(approver), reason, votes: held.votes.length, needed: held.approval.minApprovals });
        } catch (auditErr) {
          // An unaudited vote does not count: fail closed.
          held.votes.splice(held.votes.indexOf(vote), 1);
          throw approvalErrors.audit(auditErr);
        }
        return toView(held);
      }

      held.reason = reason;
      const approvedBy = held.votes.map(actor);
      const grant = held.approval.grantTtlMs > 0 ? grants.create(held.principal, held.rule, held.model, held.approval.grantTtlMs, held.id, approvedBy) : undefined;
      held.grantId = grant?.id;
      settle(held, 'approved');
      try {
        // The request goes upstream only once its approval is durable in the audit log. The
        // grant's window is in the record too: `restoreGrants` reads it back after a restart.
        await note('approval_approved', held, { by: approvedBy, reason, grantId: grant?.id, grantCreatedAt: grant?.createdAt, grantExpiresAt: grant?.expiresAt });
      } catch (auditErr) {
        const err = approvalErrors.audit(auditErr);
        release(held, err);
        throw err;
      }
      release(held);
      return toView(held);
    },

    list(state: ApprovalState | 'all' = 'pending'): ApprovalView[] {
      const out: ApprovalView[] = [];
      if (state === 'pending' || state === 'all') for (const h of pending.values()) out.push(toView(h));
      if (state !== 'pending') for (const h of history.values()) if (state === 'all' || h.state === state) out.push(toView(h));
      return out.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
    },

    get(id: string): ApprovalView | undefined {
      const held = pending.get(id) ?? history.get(id);
      return held && toView(held);
    },

    async restoreGrants(): Promise<number> {
      // The log is the durable record of grants: the latest approvals that made one, minus the
      // revoked. Only the last maxGrantTtlSeconds of the log can hold a live grant, so start-up
      // reads no further back. (Grants made more than 1,000 approvals ago are not restored:
      // the caller is asked again, which fails closed.)
      const since = new Date(now() - settings.maxGrantTtlSeconds * 1000).toISOString();
      const [approved, revoked] = await Promise.all([
        audit.query({ kind: 'approval_approved', since, limit: 1000 }),
        audit.query({ kind: 'grant_revoked', since, limit: 1000 }),
      ]);
      const gone = new Set(revoked.map((r) => (r.details as Record<string, unknown> | undefined)?.grantId));
      let restored = 0;
      for (const r of approved) {
        const d = (r.details ?? {}) as Record<string, unknown>;
        if (typeof d.grantId !== 'string' || gone.has(d.grantId) || !r.principal || typeof d.rule !== 'string') continue;
        if (typeof d.grantCreatedAt !== 'string' || typeof d.grantExpiresAt !== 'string') continue;
        const grant: GrantView = {
          id: d.grantId,
          principal: { issuer: r.principal.issuer, subject: r.principal.subject },
          rule: d.rule,
          ...(r.model !== undefined ? { model: r.model } : {}),
          approvalId: typeof d.approvalId === 'string' ? d.approvalId : '',
          approvedBy: Array.isArray(d.by) ? (d.by as GrantView['approvedBy']) : [],
          createdAt: d.grantCreatedAt,
          expiresAt: d.grantExpiresAt,
          uses: 0,
        };
        if (grants.restore(grant)) restored++;
      }
      return restored;
    },

    listGrants(): GrantView[] {
      return grants.list();
    },

    async revokeGrant(id: string, by: Principal): Promise<GrantView> {
      const grant = grants.revoke(id, by);
      if (!grant) throw approvalErrors.grantNotFound(id);
      try {
        await audit.note('grant_revoked', { grantId: id, approvalId: grant.approvalId, principal: grant.principal, rule: grant.rule, model: grant.model, by: actor(by) });
      } catch (err) {
        throw approvalErrors.audit(err);
      }
      return grant;
    },

    async close(): Promise<void> {
      closed = true;
      for (const held of [...pending.values()]) release(held, withdraw(held, 'shutdown'));
      keepAlive.close();
    },
  };
  return service;
}
