import assert from 'node:assert/strict';
import type { AuditRecord } from '../../../gateway/generated/audit-record';
import { openAudit, tempDataDir } from '../../helpers/audit-log';
import { heapAfterGc } from '../../helpers/heap';

/**
 * The window of recent records (audit.recentRecords) keeps each durable record's line as the
 * bytes written, outside the V8 heap: kept as strings, thousands of lines were young garbage the
 * collector copied and promoted on every request (issue 23).
 */
describe('audit: the window of recent records keeps its lines off the V8 heap', () => {
  it('grows the V8 heap by far less than the lines it holds, and answers with them', async () => {
    const env = await tempDataDir();
    const audit = await openAudit(env.dataDir, { recentRecords: 10_000 });
    try {
      const body = { messages: [{ role: 'user', content: 'a long prompt '.repeat(300) }] };
      const n = 1000;
      const before = heapAfterGc();
      await Promise.all(Array.from({ length: n }, (_, i) => audit.append({ kind: 'arrival', requestId: `req-${i}`, requestBody: body } as never)));
      const perRecord = (heapAfterGc() - before) / n;
      // Each line is ≈ 4.4 KB; the window holds every one of them.
      assert.ok(perRecord < 1500, `the window costs ${perRecord.toFixed(0)} B of V8 heap per record (bound 1500)`);
      const [last] = await audit.query({ kind: 'arrival', limit: 1 });
      assert.equal(last.requestId, `req-${n - 1}`);
      assert.deepEqual((last as AuditRecord).requestBody, body);
    } finally {
      await audit.close();
      await env.cleanup();
    }
  });
});
