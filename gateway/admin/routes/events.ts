import { Router } from 'express';
import { adminOnly, adminRole } from '../auth';
import { CommentTicker } from '../../sse/comment-ticker';
import type { EventLog, LoggedEvent } from '../event-log';
import { streamedEvents } from '../event-log';
import type { AuditService } from '../../runtime';
import { recordAdmin } from '../admin-record';
import { badRequest } from './admin-deps';

/**
 * GET /events — server-sent events of the gateway (audit appended, approvals, alerts, policy
 * reloads). Each event has an `id:`; reconnect with Last-Event-ID (header, or ?lastEventId=)
 * to receive exactly the events missed while they are still in the ring. When they are not
 * (gateway restarted, ring overrun), an `event: gap` comes first, then everything still held.
 * `?types=a,b` narrows the stream. Heartbeat comments keep proxies from closing it. An
 * approver (not an admin) gets the approval events only: the others carry audit records.
 */
export function eventsRoutes(log: EventLog, audit: Pick<AuditService, 'note'>, opts: { heartbeatMs: number; maxBufferedBytes: number }): Router {
  const router = Router();
  const heartbeat = new CommentTicker(opts.heartbeatMs, 'heartbeat');
  const known = new Set<string>(streamedEvents);
  const approvalEvents = new Set<string>(['approval.requested', 'approval.resolved']);

  router.get('/events', async (req, res) => {
    const typesParam = typeof req.query.types === 'string' ? req.query.types : undefined;
    const asked = typesParam ? new Set(typesParam.split(',').map((t) => t.trim()).filter(Boolean)) : undefined;
    if (asked) for (const t of asked) if (!known.has(t)) throw badRequest(`Unknown event type ${t}; known: ${[...known].join(', ')}.`);
    const approverOnly = adminRole(res) === 'approver';
    if (approverOnly && asked) for (const t of asked) if (!approvalEvents.has(t)) throw adminOnly(`the ${t} event`);
    const types = asked ?? (approverOnly ? approvalEvents : undefined);
    const lastEventId = req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined);
    // One record per stream opened (not per event sent), before the stream's first byte.
    await recordAdmin(audit, req, res, 200, typesParam ? { query: { types: typesParam } } : {});
    if (res.closed || res.destroyed) return;

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const send = (e: LoggedEvent) => {
      if (types && !types.has(e.name)) return;
      res.write(`id: ${log.idOf(e)}\nevent: ${e.name}\ndata: ${log.dataOf(e)}\n\n`);
      // A client that stops reading is dropped rather than buffered without bound; it resumes
      // from the ring with its Last-Event-ID.
      if (res.writableLength > opts.maxBufferedBytes) res.destroy();
    };

    const resume = log.resume(lastEventId);
    if (resume.kind === 'gap') res.write(`event: gap\ndata: ${JSON.stringify({ reason: resume.reason, lastEventId })}\n\n`);
    if (resume.kind !== 'live') for (const e of resume.events) send(e);
    const unsubscribe = log.subscribe(send);
    heartbeat.add(res);
    res.on('close', () => {
      unsubscribe();
      heartbeat.delete(res);
    });
  });
  return router;
}
