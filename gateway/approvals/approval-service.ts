import { newId } from '../new-id';
import { actorOf, type ApprovalRecord } from '../core/approvals/approval-record';
import type { ApprovalEvent, ApprovalRefusal } from '../core/approvals/approval-rules';
import { approvalOutcome, approvalView, resolvedEvent, type ApprovalOutcome } from '../core/approvals/approval-view';
import type { GatewayEvents } from '../core/admin-api';
import type { Principal } from '../core/types';
import { GatehouseError } from '../errors';
import type { EventBus } from '../events';
import type { Approvals } from '../generated/gatehouse.config';
import type { Logger } from '../log';
import type { ApprovalHoldRequest, ApprovalHoldResult, ApprovalService, AuditService } from '../runtime';
import type { ApprovalStore } from '../state/approval-store';
import type { GrantStore } from '../state/grant-store';
import { MemoryApprovalStore } from '../state/memory-approval-store';
import { MemoryGrantStore } from '../state/memory-grant-store';
import { stateUnavailable } from '../state/state-errors';
import { approvalErrors } from './approval-errors';
import { approvalDefaults, ruleApproval } from './approval-settings';
import { restoreGrants } from './restore-grants';
import { HeldRequests, type Release } from './held-approval';
import type { ApprovalState, ApprovalVerdict, ApprovalView, GrantView } from './types';

export interface ApprovalServiceDeps {
  log: Logger;
  events: EventBus;
  /** `query` lets `restoreGrants` read the grants of earlier runs back from the log. */
  audit: Pick<AuditService, 'note' | 'query'>;
  /** Wall clock in ms; tests move it to expire grants. Wait timers use real time. */
  now?: () => number;
  /** Where approvals live (default: this process's memory, remembering `historySize` settled ones). */
  approvals?: ApprovalStore;
  /** Where grants live (default: this process's memory, on the `now` clock). */
  grants?: GrantStore;
  /** This instance's id, recorded as the holder of the approvals it holds (default 'local'). */
  instance?: string;
}

/**
 * Holds require_approval requests until enough approvers decide, the wait runs out or the client
 * leaves. Orchestration only: the rules are core's (`core/approvals/approval-rules.ts`, applied
 * by the approval store), the records and grants live in the stores (`state/`), the callers'
 * connections are held by the transport (`held-approval.ts`). Every step is audited here, and
 * nothing goes upstream on an approval that is not durable in the audit log.
 */
export function createApprovalService(cfg: Approvals | undefined, deps: ApprovalServiceDeps): ApprovalService {
  const settings = approvalDefaults(cfg);
  const now = deps.now ?? Date.now;
  const { log, events, audit } = deps;
  const approvals = deps.approvals ?? new MemoryApprovalStore(settings.historySize);
  const grants = deps.grants ?? new MemoryGrantStore(now);
  const instance = deps.instance ?? 'local';
  const held = new HeldRequests(settings.keepAliveSeconds * 1000, {
    expire: (id) => void settleUndecided(id, { kind: 'timeout', at: now() }),
    gone: (id) => void withdraw(id, 'client_closed'),
  });
  let closed = false;
  // A decision made on any instance releases the caller here if this instance holds it.
  const stopListening = approvals.onDecided((record, failure) => held.take(record.id)?.({ record, error: decisionError(record, failure) }));

  async function note(kind: string, r: ApprovalRecord, fields: Record<string, unknown>): Promise<void> {
    await audit.note(kind, { approvalId: r.id, requestId: r.requestId, principal: actorOf(r.principal), model: r.model, rule: r.rule, ...fields });
  }

  /** Notes a final step; its failure is logged (the request fails anyway, so it is already closed). */
  function noteQuietly(kind: string, r: ApprovalRecord, fields: Record<string, unknown>): void {
    note(kind, r, fields).catch((err) => log.error('approval audit failed', { approvalId: r.id, kind, error: String(err) }));
  }

  /**
   * Settles an approval without a decision (the wait ran out, the client left, shutdown) and
   * releases its caller. Nothing happens when it was settled meanwhile: whoever settled it
   * releases the caller.
   */
  async function settleUndecided(id: string, event: Extract<ApprovalEvent, { kind: 'timeout' | 'withdraw' }>): Promise<Release | undefined> {
    let step;
    try {
      step = await approvals.apply(id, event);
    } catch (err) {
      log.error('approval store failed', { approvalId: id, error: String(err) });
      const release = { record: undefined, error: stateUnavailable('approvals', err) };
      held.take(id)?.(release);
      return release;
    }
    if (!step.ok) return undefined;
    const record = step.record;
    const end = held.take(id);
    events.emit('approval.resolved', resolvedEvent(record));
    const waitedMs = now() - record.requestedAt;
    let error: GatehouseError;
    if (event.kind === 'timeout') {
      error = approvalErrors.timeout(id, Math.round((record.expiresAt - record.requestedAt) / 1000));
      noteQuietly('approval_timeout', record, { waitedMs });
    } else {
      error = event.cause === 'shutdown' ? approvalErrors.shutdown() : approvalErrors.withdrawn(id);
      noteQuietly('approval_withdrawn', record, { reason: event.cause, waitedMs });
    }
    const release = { record, error };
    end?.(release);
    return release;
  }

  const withdraw = (id: string, cause: 'client_closed' | 'shutdown') => settleUndecided(id, { kind: 'withdraw', cause, at: now() });

  async function useGrant(request: ApprovalHoldRequest, principal: Principal, rule: string): Promise<ApprovalOutcome | undefined> {
    const grant = await grants.use(principal, rule, request.model);
    if (!grant) return undefined;
    try {
      await audit.note('grant_used', {
        grantId: grant.id,
        approvalId: grant.approvalId,
        requestId: request.requestId,
        principal: actorOf(principal),
        rule,
        model: grant.model,
        expiresAt: grant.expiresAt,
      });
    } catch (err) {
      throw approvalErrors.audit(err);
    }
    return { id: grant.approvalId, state: 'granted', by: grant.approvedBy.map((a) => a.subject) };
  }

  function newRecord(request: ApprovalHoldRequest, principal: Principal): ApprovalRecord {
    const { decision } = request;
    const approval = ruleApproval(decision.approval, settings);
    const requestedAt = now();
    return {
      id: newId('apr_'),
      requestId: request.requestId,
      state: 'pending',
      revision: 0,
      holder: instance,
      principal: { issuer: principal.issuer, subject: principal.subject, groups: principal.groups },
      method: request.method,
      path: request.path,
      ...(request.model !== undefined ? { model: request.model } : {}),
      ...(request.endpoint !== undefined ? { endpoint: request.endpoint } : {}),
      rule: decision.rule,
      ...(decision.policyVersion !== undefined ? { policyVersion: decision.policyVersion } : {}),
      approval,
      requestedAt,
      expiresAt: requestedAt + approval.waitMs,
      votes: [],
      streaming: request.stream && settings.streamKeepAlive,
    };
  }

  /** Records a new pending approval (audited first); the store owns the record from here. Returns what holding it needs. */
  async function open(request: ApprovalHoldRequest, principal: Principal) {
    const record = newRecord(request, principal);
    try {
      await note('approval_requested', record, {
        method: record.method,
        path: record.path,
        policyVersion: record.policyVersion,
        approvers: { groups: record.approval.groups, subjects: record.approval.subjects },
        minApprovals: record.approval.minApprovals,
        expiresAt: new Date(record.expiresAt).toISOString(),
      });
    } catch (err) {
      throw approvalErrors.audit(err);
    }
    if (closed) throw approvalErrors.shutdown();
    await approvals.create(record);
    const announcement: GatewayEvents['approval.requested'] = {
      id: record.id,
      principal: record.principal.subject,
      method: record.method,
      path: record.path,
      ...(record.model !== undefined ? { model: record.model } : {}),
      rule: record.rule,
      expiresAt: new Date(record.expiresAt).toISOString(),
    };
    return { id: record.id, waitMs: Math.max(0, record.expiresAt - now()), streaming: record.streaming, announcement };
  }

  /** What the held request gets from its release: its approval outcome and, when refused, why. */
  function result(release: Release, streamOpenedAt?: number): ApprovalHoldResult {
    return {
      ...(release.record ? { approval: approvalOutcome(release.record) } : {}),
      ...(release.error ? { error: release.error } : {}),
      ...(streamOpenedAt !== undefined ? { streamOpenedAt } : {}),
    };
  }

  const service: ApprovalService = {
    get pendingCount() {
      return held.size;
    },

    async hold(request: ApprovalHoldRequest): Promise<ApprovalHoldResult> {
      const { decision, principal } = request;
      if (!principal) throw approvalErrors.noPrincipal();
      if (closed) throw approvalErrors.shutdown();
      if (request.clientGone.aborted) throw approvalErrors.withdrawn(undefined);
      const granted = await useGrant(request, principal, decision.rule);
      if (granted) return { approval: granted };
      if (held.size >= settings.maxPending) throw approvalErrors.capacity(settings.maxPending);
      const { id, waitMs, streaming, announcement } = await open(request, principal);
      // The store is async: the client may have left, or shutdown begun, meanwhile.
      if (closed || request.clientGone.aborted) {
        const release = await withdraw(id, closed ? 'shutdown' : 'client_closed');
        return result(release ?? { record: undefined, error: approvalErrors.withdrawn(id) });
      }
      // Held before this continuation yields, so a decision published from now on finds it.
      const waiting = held.hold(id, waitMs, request.clientGone);
      events.emit('approval.requested', announcement);
      const streamOpenedAt = streaming ? held.openStream(id, request.res, request.requestId) : undefined;
      // Returned, not awaited: this function ends here, and while the caller waits (thousands may
      // at once) only the continuation and its opening time are kept, not a suspended frame with
      // the request, the record's id and its announcement.
      return waiting.then((release) => result(release, streamOpenedAt));
    },

    async decide(id: string, approver: Principal, verdict: ApprovalVerdict, reason?: string): Promise<ApprovalView> {
      const at = now();
      const grantId = verdict === 'approve' ? newId('grt_') : undefined;
      const step = await approvals.apply(id, { kind: 'vote', approver, verdict, at, ...(reason ? { reason } : {}), ...(grantId ? { grantId } : {}) });
      if (!step.ok) throw refusalError(id, step.refusal);
      const record = step.record;

      if (record.state === 'denied') {
        events.emit('approval.resolved', resolvedEvent(record));
        await approvals.publishDecided(record);
        try {
          await note('approval_denied', record, { by: actorOf(approver), reason });
        } catch (auditErr) {
          log.error('approval audit failed', { approvalId: id, kind: 'approval_denied', error: String(auditErr) });
          throw approvalErrors.audit(auditErr);
        }
        return approvalView(record);
      }

      if (record.state === 'pending') {
        try {
          await note('approval_vote', record, { by: actorOf(approver), reason, votes: record.votes.length, needed: record.approval.minApprovals });
        } catch (auditErr) {
          // An unaudited vote does not count: fail closed.
          await approvals.apply(id, { kind: 'retract', approver, at: now() });
          throw approvalErrors.audit(auditErr);
        }
        return approvalView(record);
      }

      // Approved: the request goes upstream only once its approval is durable in the audit log.
      // The grant's window is in the record too: `restoreGrants` reads it back after a restart.
      const approvedBy = record.votes.map(actorOf);
      let failure: GatehouseError | undefined;
      let grant: GrantView | undefined;
      try {
        if (record.grantId) grant = await grants.make({ id: record.grantId, principal: record.principal, rule: record.rule, model: record.model, ttlMs: record.approval.grantTtlMs, approvalId: id, approvedBy });
      } catch (err) {
        failure = stateUnavailable('grants', err);
      }
      events.emit('approval.resolved', resolvedEvent(record));
      if (!failure) {
        try {
          await note('approval_approved', record, { by: approvedBy, reason, grantId: grant?.id, grantCreatedAt: grant?.createdAt, grantExpiresAt: grant?.expiresAt });
        } catch (err) {
          failure = approvalErrors.audit(err);
        }
      }
      await approvals.publishDecided(record, failure);
      if (failure) throw failure;
      return approvalView(record);
    },

    async list(state: ApprovalState | 'all' = 'pending'): Promise<ApprovalView[]> {
      return (await approvals.list(state)).map(approvalView);
    },

    async get(id: string): Promise<ApprovalView | undefined> {
      const record = await approvals.get(id);
      return record && approvalView(record);
    },

    restoreGrants: () => restoreGrants({ audit, grants, since: now() - settings.maxGrantTtlSeconds * 1000 }),

    listGrants(): Promise<GrantView[]> {
      return grants.list();
    },

    async revokeGrant(id: string, by: Principal): Promise<GrantView> {
      const grant = await grants.revoke(id, by);
      if (!grant) throw approvalErrors.grantNotFound(id);
      try {
        await audit.note('grant_revoked', { grantId: id, approvalId: grant.approvalId, principal: grant.principal, rule: grant.rule, model: grant.model, by: actorOf(by) });
      } catch (err) {
        throw approvalErrors.audit(err);
      }
      return grant;
    },

    async close(): Promise<void> {
      closed = true;
      await Promise.all(held.ids().map((id) => withdraw(id, 'shutdown')));
      stopListening();
      held.close();
    },
  };
  return service;
}

/** The error a decision releases its held request with: none to go on. */
function decisionError(record: ApprovalRecord, failure: Error | undefined): GatehouseError | undefined {
  // The deciding instance's error when it is one of ours (this process); from elsewhere, an Error.
  if (failure) return failure instanceof GatehouseError ? failure : approvalErrors.audit(failure);
  if (record.state === 'denied') return approvalErrors.denied(record.id, record.deniedBy?.subject ?? 'an approver', record.reason);
  return undefined;
}

/** The admin API's answer to a refused decision. */
function refusalError(id: string, refusal: ApprovalRefusal): GatehouseError {
  switch (refusal.code) {
    case 'not_found':
      return approvalErrors.notFound(id);
    case 'expired':
      return approvalErrors.expired(id, refusal.state);
    case 'already_decided':
      return approvalErrors.alreadyDecided(id, refusal.state);
    case 'already_voted':
      return approvalErrors.alreadyVoted(id);
    case 'self':
      return approvalErrors.self();
    case 'not_approver':
      return approvalErrors.notApprover(refusal.rule);
    case 'not_voted':
      return approvalErrors.notFound(id);
  }
}
