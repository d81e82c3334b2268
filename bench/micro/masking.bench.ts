/**
 * Masking micro-benchmark: throughput in MB/s per core (bytes / CPU seconds).
 *   - a 64 KB mixed chat request body (prose, tool-call arguments, metadata, PII, hard negatives
 *     from the seeded test corpus): maskJson for the audit copy (every built-in detector) and for
 *     the upstream copy (a card/email/secret rule);
 *   - a stream of small deltas (2–6 characters, as models emit them) of the same text: the SSE
 *     masker end to end (parse, hold back, mask, re-emit), and the text masker alone.
 * After a warm-up (--warm 500 ms of CPU per case), cases are measured in interleaved rounds of
 * CPU-time slices (default 7 rounds of 150 ms: --rounds N, --ms N); the median slice is the
 * figure. Target: ≥ 50 MB/s per core.
 * Run: npx tsx bench/micro/masking.bench.ts [--json] [--ms 150] [--rounds 7] [--warm 500] [--only SSE]
 */
import { compileMaskingRules } from '../../gateway/core/masking/compile';
import { maskJson } from '../../gateway/core/masking/mask-json';
import { selectRules } from '../../gateway/core/masking/mask-text';
import { SseMasker } from '../../gateway/core/masking/sse-masker';
import { StreamTextMasker } from '../../gateway/core/masking/stream-text-masker';
import { denseBody, mixedBody, sseDeltas } from './masking-fixtures';

const json = process.argv.includes('--json');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const sliceMs = arg('ms', 150);
const rounds = arg('rounds', 7);
const warmMs = arg('warm', 500);
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : '';

interface Case { name: string; bytes: number; op: () => unknown }
interface Result { case: string; bytes: number; ops: number; mbPerSecCpu: number; mbPerSecCpuMin: number; mbPerSecCpuMax: number; usPerOpCpu: number }

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** One slice: ops until `sliceMs` of CPU time; MB/s per core and µs per op. */
function slice(c: Case): { mbPerSec: number; usPerOp: number; ops: number } {
  let ops = 0;
  const cpu0 = cpuMicros();
  let cpu = 0;
  while (cpu < sliceMs * 1000) {
    c.op();
    ops++;
    cpu = cpuMicros() - cpu0;
  }
  return { mbPerSec: (c.bytes * ops) / cpu, usPerOp: cpu / ops, ops };
}

/**
 * Interleaved rounds: each case gets one slice per round, and the median slice is reported with
 * the range. This VM's speed drifts by up to 2x over seconds (other tenants of the host); one
 * long run per case would give whichever case met a slow spell a low figure.
 */
function measure(cases: Case[]): Result[] {
  // Warm-up: the first runs of a stream case are several times slower (compilation, heap growth).
  for (const c of cases) {
    const until = cpuMicros() + warmMs * 1000;
    for (let n = 0; n < 3 || cpuMicros() < until; n++) c.op();
  }
  const slices = cases.map(() => [] as ReturnType<typeof slice>[]);
  for (let r = 0; r < rounds; r++) cases.forEach((c, i) => slices[i].push(slice(c)));
  return cases.map((c, i) => {
    const sorted = slices[i].slice().sort((a, b) => a.mbPerSec - b.mbPerSec);
    const mid = sorted[sorted.length >> 1];
    return {
      case: c.name,
      bytes: c.bytes,
      ops: slices[i].reduce((n, s) => n + s.ops, 0),
      mbPerSecCpu: mid.mbPerSec,
      mbPerSecCpuMin: sorted[0].mbPerSec,
      mbPerSecCpuMax: sorted[sorted.length - 1].mbPerSec,
      usPerOpCpu: mid.usPerOp,
    };
  });
}

function main() {
  const { body, bytes, text } = mixedBody();
  const dense = denseBody();
  const all = compileMaskingRules([], { hashKey: 'bench' });
  const upstreamRules = compileMaskingRules([{ name: 'pii', detectors: ['card', 'email', 'secret'], where: ['upstream', 'client'] }], { hashKey: 'bench', auditDetectors: [] });
  const clientRules = selectRules(all, 'audit');
  const { deltas, events, sseBytes, textBytes } = sseDeltas(text);
  const sse = () => {
    const masker = new SseMasker(all, { rules: clientRules });
    for (const e of events) masker.pushBytes(e);
    masker.end();
  };

  const results = measure(([
    { name: '64 KB body, audit copy (all detectors)', bytes, op: () => maskJson(body, all, { where: 'audit', spans: false }) },
    { name: '64 KB body, upstream copy (card, email, secrets)', bytes, op: () => maskJson(body, upstreamRules, { where: 'upstream', spans: false }) },
    { name: '64 KB PII-dense corpus body, audit copy', bytes: dense.bytes, op: () => maskJson(dense.body, all, { where: 'audit', spans: false }) },
    { name: `SSE masker, ${deltas.length} small deltas (SSE bytes)`, bytes: sseBytes, op: sse },
    { name: `SSE masker, same stream (text bytes)`, bytes: textBytes, op: sse },
    {
      name: `text masker alone, ${deltas.length} small deltas`, bytes: textBytes, op: () => {
        const m = new StreamTextMasker(all, { rules: clientRules, path: '$' });
        for (const d of deltas) m.push(d);
        m.end();
      },
    },
  ] as Case[]).filter((c) => c.name.includes(only)));
  if (json) {
    process.stdout.write(JSON.stringify({ bench: 'masking', sliceMs, rounds, results }, null, 2) + '\n');
    return;
  }
  const rows = [['case', 'bytes', 'ops', 'MB/s per core (median)', 'range', 'µs/op (CPU)'],
    ...results.map((r) => [r.case, String(r.bytes), String(r.ops), r.mbPerSecCpu.toFixed(1), `${r.mbPerSecCpuMin.toFixed(1)}–${r.mbPerSecCpuMax.toFixed(1)}`, r.usPerOpCpu.toFixed(0)])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ') + '\n');
}

main();
