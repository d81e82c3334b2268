import assert from 'node:assert/strict';
import { createApprovalService } from '../../../gateway/approvals/approval-service';
import { EventBus } from '../../../gateway/events';
import { silentLogger } from '../../../gateway/log';
import { buildExchange, requireApproval, awaitApprovalOf } from '../../builders/approval-exchange';
import { waitFor } from '../../builders/wait-for';
import { heapAfterGc } from '../../helpers/heap';

const ms = (from: bigint) => (Number(process.hrtime.bigint() - from) / 1e6).toFixed(0);

describe('approvals: thousands of held requests', () => {
  it('holds 10,000 requests for bookkeeping only: bounded heap per request, one timer each, nothing left after', async function () {
    this.timeout(120_000);
    const N = 10_000;
    let notes = 0;
    // Counts notes without keeping them, so the heap measured is the service's own.
    const audit = { note: async () => void notes++, query: async () => [] };
    const decision = requireApproval({ timeoutSeconds: 300 });

    /** Holds N fresh requests, measures, then releases them all by shutting the service down. */
    async function cycle(label: string) {
      const service = createApprovalService({ maxPending: N, historySize: 0 }, { log: silentLogger, events: new EventBus(), audit });
      const exchanges = Array.from({ length: N }, () => buildExchange({ decision }));
      const before = heapAfterGc();
      const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const t0 = process.hrtime.bigint();
      const waits = exchanges.map((x) => awaitApprovalOf(service, x).catch(() => {}));
      await waitFor(() => service.pendingCount === N, 'all requests held', 60_000);
      const holdMs = ms(t0);
      const perRequest = (heapAfterGc() - before) / N;
      // Node keeps timers of one duration in one list behind one native timer; the slack is mocha's.
      const timersAdded = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length - timersBefore;
      const t1 = process.hrtime.bigint();
      await service.close();
      await Promise.all(waits);
      console.log(`      ${label}: held ${N} in ${holdMs} ms, ${perRequest.toFixed(0)} B heap per held request, ${timersAdded} timers; released in ${ms(t1)} ms`);
      // ≈ 2.1 KB with the exchange the builder makes (≈ 2.4 KB while hold() stayed suspended on the wait).
      assert.ok(perRequest < 2300, `a held request costs ${perRequest.toFixed(0)} B of heap (bound 2300)`);
      assert.ok(timersAdded <= N + 2, `at most one timer per held request (${timersAdded} for ${N})`);
      assert.equal(service.pendingCount, 0);
      assert.equal(exchanges.filter((x) => x.approval?.state === 'withdrawn').length, N);
      return exchanges;
    }

    let kept = await cycle('first');
    const afterFirst = heapAfterGc();
    kept = await cycle('second');
    const afterSecond = heapAfterGc();
    assert.equal(kept.length, N);
    assert.equal(notes, 4 * N);
    // The second cycle replaced the first batch of (released) exchanges by as many: if the
    // service kept anything per request, the heap would have grown by it.
    const growth = (afterSecond - afterFirst) / N;
    console.log(`      heap growth between cycles: ${growth.toFixed(0)} B per request`);
    assert.ok(growth < 128, `released requests leave ${growth.toFixed(0)} B each behind`);
  });
});
