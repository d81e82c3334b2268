import { parseArgs } from 'node:util';
import { displayText } from '../core/display-text';
import { parseDurationSeconds } from '../core/identity/duration';
import { UsageReport, usageCsv, usageDimensions, usageTable, type UsageDimension } from '../core/usage/usage-report';
import { ConfigError } from '../config/load-config';
import type { AuditRecord } from '../generated/audit-record';
import { listSegments, readSegmentLines } from '../audit/segment-files';
import { auditDir } from './audit-dir';

const usage = `Usage:
  gatehouse usage [--dir DIR | --config FILE | --data-dir DIR] [--since WHEN] [--until WHEN] [--by DIM[,DIM]] [--format table|csv]
      Tokens and cost over a time window, summed from the audit log's outcome records (issue 21):
      requests, input/output/total tokens, how many records the gateway counted itself (counted:
      the upstream reported none), how many had no price (unpriced), and the cost per currency.
      --dir, --config, --data-dir  where the log is, as for gatehouse audit
      --since WHEN   start of the window: a duration back from now (24h, 7d, 90m) or a date/time
                     (2026-01-01, 2026-01-01T09:00:00Z). Default 24h
      --until WHEN   end of the window (exclusive), same forms. Default now
      --by DIMS      rows per ${usageDimensions.join(', ')} (comma-separated, in that order of
                     columns). Default principal. A record counts in each of its caller's groups
      --format F     table (default) or csv (RFC 4180, one cost_<CURRENCY> column per currency)
Exit codes: 0 printed, 2 bad usage or no audit log.`;

/** `gatehouse usage`. Returns the exit code. */
export async function run(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string' }, config: { type: 'string', short: 'c' }, 'data-dir': { type: 'string' },
        since: { type: 'string' }, until: { type: 'string' }, by: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    err(`gatehouse usage: ${(e as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (v.help) {
    out(usage + '\n');
    return 0;
  }
  const now = Date.now();
  const from = when(v.since ?? '24h', now);
  const to = v.until === undefined ? now + 1 : when(v.until, now);
  const by = (v.by ?? 'principal').split(',').map((d) => d.trim()) as UsageDimension[];
  const format = v.format ?? 'table';
  const problem = from === undefined ? `--since: not a duration or a date: ${v.since}`
    : to === undefined ? `--until: not a duration or a date: ${v.until}`
    : by.find((d) => !usageDimensions.includes(d)) !== undefined ? `--by: each of ${usageDimensions.join(', ')} (got ${v.by})`
    : format !== 'table' && format !== 'csv' ? `--format: table or csv (got ${format})`
    : undefined;
  if (problem) {
    err(`gatehouse usage: ${problem}\n\n${usage}\n`);
    return 2;
  }
  let dir: string;
  try {
    dir = await auditDir(v);
  } catch (e) {
    err(`gatehouse usage: ${e instanceof ConfigError ? `invalid config:\n${e.message}` : (e as Error).message}\n`);
    return 2;
  }
  const report = new UsageReport(by, { from: from!, to: to! });
  for (const segment of await listSegments(dir)) {
    for await (const line of readSegmentLines(segment.path)) {
      if (line.terminated) report.add(JSON.parse(line.text) as AuditRecord);
    }
  }
  const rows = report.rows();
  out(format === 'csv' ? usageCsv(rows, by) : usageTable(rows, by, displayText));
  return 0;
}

/** A duration back from `now`, or a date (ISO 8601) → ms since the epoch. */
function when(text: string, now: number): number | undefined {
  const seconds = parseDurationSeconds(text);
  if (seconds !== undefined) return now - seconds * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
