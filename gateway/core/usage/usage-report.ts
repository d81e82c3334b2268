import type { AuditRecord } from '../../generated/audit-record';

/** What a usage report can be broken down by. */
export const usageDimensions = ['principal', 'group', 'model', 'upstream', 'rule'] as const;
export type UsageDimension = (typeof usageDimensions)[number];

export interface UsageRow {
  /** The row's value of each dimension asked for, in order. */
  key: string[];
  requests: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  /** Records whose figures the gateway counted (estimated or bytes) rather than the upstream reported. */
  counted: number;
  /** Cost per currency (no conversion); records without a price are in `unpriced`. */
  cost: Record<string, number>;
  unpriced: number;
}

/**
 * Sums the usage and cost of outcome records over a time window, per principal, group, model,
 * upstream or rule (any combination). A record counts in each of its principal's groups, so
 * group rows may overlap; a record without groups is under "(none)". The upstream comes from the
 * request's arrival record (outcome records do not repeat it), so feed records in log order.
 *
 * @example
 * const r = new UsageReport(['model'], { from: 0, to: Date.now() });
 * r.add({ kind: 'outcome', time: '2026-01-01T00:00:00Z', model: 'gpt-4o', usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7, source: 'reported' }, cost: { amount: 0.1, currency: 'USD' } } as AuditRecord);
 * r.rows()[0] // => { key: ['gpt-4o'], requests: 1, inputTokens: 5, ..., cost: { USD: 0.1 }, unpriced: 0 }
 */
export class UsageReport {
  private readonly rowsByKey = new Map<string, UsageRow>();
  /** requestId → upstream, from arrival records (kept only while a --by upstream report needs them). */
  private readonly upstreams = new Map<string, string>();

  constructor(private readonly by: readonly UsageDimension[], private readonly window: { from: number; to: number }) {}

  add(r: AuditRecord): void {
    if (r.kind === 'arrival') {
      if (this.by.includes('upstream') && r.requestId && r.upstream) this.upstreams.set(r.requestId, r.upstream);
      return;
    }
    if (!r.usage || !r.time) return;
    const t = Date.parse(r.time);
    if (!(t >= this.window.from && t < this.window.to)) return;
    const upstream = r.upstream ?? (r.requestId ? this.upstreams.get(r.requestId) : undefined);
    if (r.requestId) this.upstreams.delete(r.requestId);
    for (const key of this.keysOf(r, upstream)) this.addTo(key, r);
  }

  /** Rows, largest total tokens first. */
  rows(): UsageRow[] {
    return [...this.rowsByKey.values()].sort((a, b) => b.totalTokens - a.totalTokens || a.key.join('\u0000').localeCompare(b.key.join('\u0000')));
  }

  private keysOf(r: AuditRecord, upstream: string | undefined): string[][] {
    let keys: string[][] = [[]];
    for (const d of this.by) {
      const values = d === 'group' ? (r.principal?.groups?.length ? r.principal.groups : [none])
        : [(d === 'principal' ? r.principal?.subject : d === 'model' ? r.model : d === 'upstream' ? upstream : r.decision?.rule) ?? none];
      keys = keys.flatMap((k) => values.map((v) => [...k, v]));
    }
    return keys;
  }

  private addTo(key: string[], r: AuditRecord): void {
    const id = key.join('\u0000');
    let row = this.rowsByKey.get(id);
    if (!row) {
      row = { key, requests: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0, totalTokens: 0, counted: 0, cost: {}, unpriced: 0 };
      this.rowsByKey.set(id, row);
    }
    const u = r.usage!;
    row.requests++;
    row.inputTokens += u.inputTokens;
    row.cachedInputTokens += u.cachedInputTokens ?? 0;
    row.outputTokens += u.outputTokens;
    row.reasoningTokens += u.reasoningTokens ?? 0;
    row.totalTokens += u.totalTokens;
    if (u.source !== 'reported') row.counted++;
    if (r.cost) row.cost[r.cost.currency] = roundCost((row.cost[r.cost.currency] ?? 0) + r.cost.amount);
    else row.unpriced++;
  }
}

const none = '(none)';
const roundCost = (n: number) => Math.round(n * 1e9) / 1e9;

const columns = ['requests', 'inputTokens', 'cachedInputTokens', 'outputTokens', 'reasoningTokens', 'totalTokens', 'counted', 'unpriced'] as const;

/**
 * The report as CSV (RFC 4180: CRLF lines, fields with a comma, quote or line break quoted):
 * the dimensions, the counts, then one cost column per currency.
 *
 * @example
 * usageCsv([{ key: ['gpt-4o'], requests: 1, ..., cost: { USD: 0.1 } }], ['model'])
 * // => 'model,requests,...,cost_USD\r\ngpt-4o,1,...,0.1\r\n'
 */
export function usageCsv(rows: readonly UsageRow[], by: readonly UsageDimension[]): string {
  const currencies = currenciesOf(rows);
  const header = [...by, ...columns, ...currencies.map((c) => `cost_${c}`)];
  const lines = [header, ...rows.map((r) => [...r.key, ...columns.map((c) => String(r[c])), ...currencies.map((c) => (r.cost[c] === undefined ? '' : String(r.cost[c])))])];
  return lines.map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The report as an aligned text table, with a total line; `display` escapes caller text (subjects, models). */
export function usageTable(rows: readonly UsageRow[], by: readonly UsageDimension[], display: (s: string) => string = (s) => s): string {
  const currencies = currenciesOf(rows);
  const shown = ['requests', 'inputTokens', 'outputTokens', 'totalTokens', 'counted', 'unpriced'] as const;
  const header = [...by, ...shown, ...currencies.map((c) => `cost ${c}`)];
  const body = rows.map((r) => [...r.key.map(display), ...shown.map((c) => String(r[c])), ...currencies.map((c) => (r.cost[c] === undefined ? '-' : String(r.cost[c])))]);
  const sum = (f: (r: UsageRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  // Group rows overlap (a caller in two groups counts in both): their sum is no total.
  if (rows.length > 1 && !by.includes('group')) {
    body.push([...by.map((_, i) => (i === 0 ? 'total' : '')), ...shown.map((c) => String(sum((r) => r[c]))), ...currencies.map((c) => String(roundCost(sum((r) => r.cost[c] ?? 0))))]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((v, i) => (i < by.length ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}

function currenciesOf(rows: readonly UsageRow[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.cost)))].sort();
}

function csvField(v: string): string {
  // A leading = + - @ would run as a formula in a spreadsheet: such text (a caller's name) is quoted with a '.
  const safe = /^[=+\-@\t\r]/.test(v) && Number.isNaN(Number(v)) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
