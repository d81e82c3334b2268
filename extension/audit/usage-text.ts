import type { AuditSummary } from '../admin/admin-types';

/**
 * What an outcome used, for the Audit Log view: "1,260 tokens · 0.00183 USD" (the cost only where
 * a price matched); undefined for a record without usage.
 *
 * @example
 * usageText({ id: 'r', seq: 1, kind: 'outcome', tokens: 1260, cost: 0.00183, costCurrency: 'USD' }) // => '1,260 tokens · 0.00183 USD'
 */
export function usageText(r: Pick<AuditSummary, 'tokens' | 'cost' | 'costCurrency'>): string | undefined {
  if (r.tokens === undefined) return undefined;
  const tokens = `${r.tokens.toLocaleString('en-US')} tokens`;
  return r.cost === undefined ? tokens : `${tokens} · ${Number(r.cost.toPrecision(3))} ${r.costCurrency ?? ''}`.trimEnd();
}
