import { Router } from 'express';
import type { SinkReset } from '../../core/admin-api';
import { GatehouseError } from '../../errors';
import type { AuditService } from '../../runtime';
import { answerRecorded } from '../admin-record';

/**
 * POST /sinks/:name/reset — sets a sink's cursor back to the start of the kept log, so the sink
 * receives every record again (receivers de-duplicate by record id). Recorded with the seq the
 * cursor was at before it is answered.
 */
export function sinkRoutes(audit: Pick<AuditService, 'resetSink' | 'note'>): Router {
  const router = Router();
  router.post('/sinks/:name/reset', async (req, res) => {
    res.locals.adminFacts = { target: req.params.name };
    const fromSeq = await audit.resetSink(req.params.name);
    if (fromSeq === undefined) throw new GatehouseError(404, 'ERR_ADMIN_SINK_NOT_FOUND', `No audit sink named ${req.params.name}.`);
    await answerRecorded(audit, req, res, { sink: req.params.name, fromSeq } satisfies SinkReset, { target: req.params.name, fromSeq });
  });
  return router;
}
