import { actorOf } from '../core/approvals/approval-record';
import { resolvedEvent } from '../core/approvals/approval-view';
import type { EventBus } from '../events';
import type { Logger } from '../log';
import type { AuditService } from '../runtime';
import type { ApprovalStore } from '../state/approval-store';

/**
 * An instance of the fleet stopped without saying so (crash, kill -9, lost host): the callers it
 * held are gone, so their pending approvals are marked abandoned (a decision now answers 410, and
 * a caller's retry asks again, never silently approved), audited and announced. Without a shared
 * store there is nothing to do: the approvals died with the process.
 */
export async function abandonHeldBy(instance: string, deps: { store: ApprovalStore | undefined; audit: Pick<AuditService, 'note'>; events: EventBus; log: Logger }): Promise<void> {
  if (!deps.store) return;
  for (const r of await deps.store.abandonHeldBy(instance, Date.now())) {
    deps.log.warn('approvals: abandoned an approval whose holder is gone', { approvalId: r.id, holder: instance });
    deps.events.emit('approval.resolved', resolvedEvent(r));
    await deps.audit.note('approval_abandoned', { approvalId: r.id, requestId: r.requestId, principal: actorOf(r.principal), model: r.model, rule: r.rule, holder: instance })
      .catch((err: Error) => deps.log.error('approval audit failed', { approvalId: r.id, kind: 'approval_abandoned', error: err.message }));
  }
}
