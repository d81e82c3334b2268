// The audit's cost per request, before and after, measured in one run: pairs of full-pipeline
// gateways that differ in one thing each, measured in interleaved rounds (bench/README.md,
// "Audit cost"):
// - durable refusals: a 401 is answered only once its record is durable (one fdatasync on the
//   answer's path). Baseline: the same gateway with its data dir on tmpfs, where fdatasync returns
//   at once: what a refusal cost when its record was written after the answer (the same writes,
//   off the answer's path). Every 401 gets its own record here (no flood summary).
// - checkpoint cadence: allowed requests at audit.checkpoint.maxSeconds 1 (the default) against
//   60 (the cadence before it: in practice a checkpoint every 1,000 records).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { concurrent, median, sequential } from './request-cost.mjs';
import { startGatehouseAuditVariant } from './targets.mjs';

const everyRefusalRecorded = 'authFailureRecords: { perSource: 1000000 }';

/** Starts the variants (and stops every process of ctx.procs at the end); returns the medians per pair. */
export async function measureAuditCost(ctx, upstreamBase, { rounds, dur, conn, probes, log }) {
  const body = readFileSync(join(ctx.bench, 'bodies/chat-160B.json'));
  const tmpfs = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/gatehouse-bench-audit-') : undefined;
  try {
    const pairs = [
      {
        what: 'durable refusals: 401 with its own record, durable before the answer',
        baselineLabel: 'log on tmpfs (fdatasync free)', afterLabel: 'log on disk',
        status: 401,
        baseline: tmpfs && { name: 'audit-refusals-tmpfs', dataDir: join(tmpfs, 'data'), audit: [everyRefusalRecorded] },
        after: { name: 'audit-refusals-disk', dataDir: join(ctx.out, 'audit-refusals-data'), audit: [everyRefusalRecorded] },
        unavailable: tmpfs ? undefined : 'no /dev/shm for the baseline',
      },
      {
        what: 'checkpoint cadence: allowed requests (200), a signed checkpoint at least every checkpoint.maxSeconds',
        baselineLabel: 'maxSeconds 60 (before)', afterLabel: 'maxSeconds 1 (default)',
        status: 200,
        baseline: { name: 'audit-cadence-60s', dataDir: join(ctx.out, 'audit-cadence-60s-data'), audit: ['checkpoint: { maxSeconds: 60 }'] },
        after: { name: 'audit-cadence-1s', dataDir: join(ctx.out, 'audit-cadence-1s-data'), audit: ['checkpoint: { maxSeconds: 1 }'] },
      },
    ];
    const variants = [];
    for (const p of pairs) {
      if (p.unavailable) continue;
      for (const side of ['baseline', 'after']) {
        const v = await startGatehouseAuditVariant(ctx, p[side].name, upstreamBase, p[side].dataDir, p[side].audit);
        v.req = { auth: p.status === 401 ? 'not-a-token' : v.token, expect: p.status };
        v.rows = [];
        p[side].variant = v;
        variants.push(v);
      }
    }
    const load = { conn, dur };
    for (const v of variants) await concurrent(v.url, v.pid, body, v.req, { conn, dur: Math.min(dur, 1) }); // warm-up
    for (let r = 1; r <= rounds; r++) {
      for (const v of variants) v.rows.push({ ...(await sequential(v.url, body, v.req, probes)), ...(await concurrent(v.url, v.pid, body, v.req, load)) });
      log(`audit cost round ${r}: ${variants.map((v) => `${v.name} p50 ${v.rows.at(-1).p50.toFixed(3)} ms, ${v.rows.at(-1).usPerReq.toFixed(0)} µs/req`).join('; ')}`);
    }
    const figures = (v) => Object.fromEntries(['p50', 'p99', 'rps', 'usPerReq'].map((k) => [k, median(v.rows.map((x) => x[k]))]));
    return {
      rounds, dur, conn, probes,
      pairs: pairs.map((p) => ({
        what: p.what, status: p.status, baselineLabel: p.baselineLabel, afterLabel: p.afterLabel, unavailable: p.unavailable,
        ...(p.unavailable ? {} : { baseline: figures(p.baseline.variant), after: figures(p.after.variant) }),
      })),
    };
  } finally {
    await ctx.procs.stopAll();
    if (tmpfs) rmSync(tmpfs, { recursive: true, force: true });
  }
}
