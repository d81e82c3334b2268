/**
 * Masking micro-benchmark: throughput in MB/s per core (bytes / CPU seconds).
 *   - a 64 KB mixed chat request body (prose, tool-call arguments, metadata, PII, hard negatives
 *     from the seeded test corpus): maskJson for the audit copy (every built-in detector) and for
 *     the upstream copy (a card/email/secret rule);
 *   - a stream of small deltas (2–6 characters, as models emit them) of the same text: the SSE
 *     masker end to end (parse, hold back, mask, re-emit), and the text masker alone.
 * Each case runs for a bounded time (default 500 ms; --ms N). Target: ≥ 50 MB/s per core.
 * Run: npx tsx bench/micro/masking.bench.ts [--json] [--ms 500]
 */
import { compileMaskingRules } from '../../gateway/core/masking/compile';
import { maskJson } from '../../gateway/core/masking/mask-json';
import { selectRules } from '../../gateway/core/masking/mask-text';
import { SseMasker } from '../../gateway/core/masking/sse-masker';
import { StreamTextMasker } from '../../gateway/core/masking/stream-text-masker';
import { denseBody, mixedBody, sseDeltas } from './masking-fixtures';

const json = process.argv.includes('--json');
const msArg = process.argv.indexOf('--ms');
const budgetMs = msArg > 0 ? Number(process.argv[msArg + 1]) : 500;

interface Result { case: string; bytes: number; ops: number; mbPerSecCpu: number; mbPerSecWall: number; usPerOpCpu: number }

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function measure(name: string, bytes: number, op: () => unknown): Result {
  const warmUntil = process.hrtime.bigint() + BigInt(budgetMs) * 250_000n;
  while (process.hrtime.bigint() < warmUntil) op();
  let ops = 0;
  const cpu0 = cpuMicros();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(budgetMs) * 1_000_000n;
  while (process.hrtime.bigint() < deadline) {
    op();
    ops++;
  }
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpuUs = cpuMicros() - cpu0;
  return { case: name, bytes, ops, mbPerSecCpu: (bytes * ops) / cpuUs, mbPerSecWall: (bytes * ops) / wallUs, usPerOpCpu: cpuUs / ops };
}

function main() {
  const { body, bytes, text } = mixedBody();
  const dense = denseBody();
  const all = compileMaskingRules([], { hashKey: 'bench' });
  const upstreamRules = compileMaskingRules([{ name: 'pii', detectors: ['card', 'email', 'secret'], where: ['upstream', 'client'] }], { hashKey: 'bench', auditDetectors: [] });
  const clientRules = selectRules(all, 'audit');

  const { deltas, events, sseBytes, textBytes } = sseDeltas(text);

  const results: Result[] = [
    measure('64 KB body, audit copy (all detectors)', bytes, () => maskJson(body, all, { where: 'audit', spans: false })),
    measure('64 KB body, upstream copy (card, email, secrets)', bytes, () => maskJson(body, upstreamRules, { where: 'upstream', spans: false })),
    measure('64 KB PII-dense corpus body, audit copy', dense.bytes, () => maskJson(dense.body, all, { where: 'audit', spans: false })),
    measure(`SSE masker, ${deltas.length} small deltas (text bytes)`, textBytes, () => {
      const sse = new SseMasker(all, { rules: clientRules });
      for (const e of events) sse.pushBytes(e);
      sse.end();
    }),
    measure(`SSE masker, same stream (SSE bytes)`, sseBytes, () => {
      const sse = new SseMasker(all, { rules: clientRules });
      for (const e of events) sse.pushBytes(e);
      sse.end();
    }),
    measure(`text masker alone, ${deltas.length} small deltas`, textBytes, () => {
      const m = new StreamTextMasker(all, { rules: clientRules, path: '$' });
      for (const d of deltas) m.push(d);
      m.end();
    }),
  ];
  if (json) {
    process.stdout.write(JSON.stringify({ bench: 'masking', budgetMs, results }, null, 2) + '\n');
    return;
  }
  const rows = [['case', 'bytes', 'ops', 'MB/s per core', 'MB/s wall', 'µs/op (CPU)'],
    ...results.map((r) => [r.case, String(r.bytes), String(r.ops), r.mbPerSecCpu.toFixed(1), r.mbPerSecWall.toFixed(1), r.usPerOpCpu.toFixed(0)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + '\n');
}

main();
