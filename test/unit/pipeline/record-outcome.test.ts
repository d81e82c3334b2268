import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatehouseError } from '../../../gateway/errors';
import type { Exchange } from '../../../gateway/pipeline/exchange';
import { recordOutcome } from '../../../gateway/pipeline/record-outcome';
import type { AuditService, Runtime } from '../../../gateway/runtime';
import { noBudgets, noUsage } from '../../../gateway/usage/usage-service';

const gateway = join(__dirname, '../../../gateway');

/** A runtime whose audit counts outcome writes and answers each with `answer()`. */
function countingAudit(answer: () => void | Promise<void>): { rt: Runtime; writes: () => number } {
  let writes = 0;
  const audit = { outcome: () => (writes++, answer()) } as unknown as AuditService;
  return { rt: { audit, usage: noUsage, budgets: noBudgets } as unknown as Runtime, writes: () => writes };
}

const exchange = () => ({ id: 'r1', outcome: { responseBytes: 0, clientAborted: false } }) as unknown as Exchange;

describe('pipeline/record-outcome: the one writer of the outcome record', () => {
  it('writes once per exchange; later calls (the relay, the error path, finish on close) get the same write', async () => {
    const { rt, writes } = countingAudit(() => Promise.resolve());
    const x = exchange();
    const first = recordOutcome(rt, x);
    assert.ok(first instanceof Promise);
    assert.equal(recordOutcome(rt, x), first);
    assert.equal(recordOutcome(rt, x), first);
    await first;
    assert.equal(writes(), 1);
    recordOutcome(rt, exchange());
    assert.equal(writes(), 2);
  });

  it('nothing to wait for (--proxy-only): no promise, still one write', () => {
    const { rt, writes } = countingAudit(() => undefined);
    const x = exchange();
    assert.equal(recordOutcome(rt, x), undefined);
    assert.equal(recordOutcome(rt, x), undefined);
    assert.equal(writes(), 1);
  });

  it('a failed write rejects for whoever waits (the error path answers 503) and is no unhandled rejection for who does not', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const unavailable = new GatehouseError(503, 'ERR_AUDIT_UNAVAILABLE', 'The audit log cannot be written.');
      const { rt } = countingAudit(() => Promise.reject(unavailable));
      recordOutcome(rt, exchange()); // finish on close: nobody waits
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      const x = exchange();
      await assert.rejects(Promise.resolve(recordOutcome(rt, x)), unavailable);
      await assert.rejects(Promise.resolve(recordOutcome(rt, x)), unavailable);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('nothing else in the gateway calls audit.outcome', () => {
    const callers: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && /\baudit\.outcome\(/.test(readFileSync(p, 'utf8'))) callers.push(p.slice(gateway.length + 1));
      }
    };
    walk(gateway);
    assert.deepEqual(callers, ['pipeline/record-outcome.ts']);
  });
});
