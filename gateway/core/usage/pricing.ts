import { compileGlobs, globList, type GlobMatcher } from '../glob';
import type { Pricing } from '../../generated/gatehouse.config';
import type { Usage } from './usage';

export type PriceEntry = Pricing[number];

export interface Cost {
  amount: number;
  /** ISO 4217 code. */
  currency: string;
}

/** Finds the price of a model at an upstream: the first matching entry, or undefined (no guess). */
export type PriceTable = (upstream: string, model: string) => PriceEntry | undefined;

/**
 * Compiles the config's `pricing` list: each entry's upstream and model globs once (core/glob.ts).
 *
 * @example
 * const prices = compilePricing([{ model: 'gpt-4o-mini*', input: 0.15, output: 0.6 }]);
 * prices('openai', 'gpt-4o-mini-2024-07-18') // => { model: 'gpt-4o-mini*', input: 0.15, output: 0.6 }
 * prices('openai', 'gpt-4o')                 // => undefined
 */
export function compilePricing(entries: readonly PriceEntry[] | undefined): PriceTable {
  const compiled = (entries ?? []).map((entry) => ({
    entry,
    upstream: entry.upstream === undefined ? null : compileGlobs(globList(entry.upstream)),
    model: compileGlobs(globList(entry.model)),
  })) satisfies { entry: PriceEntry; upstream: GlobMatcher | null; model: GlobMatcher }[];
  return (upstream, model) => {
    for (const c of compiled) if ((c.upstream === null || c.upstream(upstream)) && c.model(model)) return c.entry;
    return undefined;
  };
}

/**
 * What a usage costs at a price: each part of the input and output at its own rate, once
 * (uncached input, cache reads, cache writes; output besides reasoning, reasoning). Rounded to
 * 1e-9 of the currency unit so sums of records stay readable.
 *
 * @example
 * costOf({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 500, reasoningTokens: 200, totalTokens: 1500, source: 'reported' },
 *   { model: 'o4-mini', input: 1.1, cachedInput: 0.275, output: 4.4 })
 * // => { amount: 0.00297, currency: 'USD' }   (600×1.1 + 400×0.275 + 500×4.4) / 1e6
 */
export function costOf(usage: Usage, price: PriceEntry): Cost {
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheCreationInputTokens ?? 0;
  const plainInput = Math.max(0, usage.inputTokens - cached - written);
  const reasoning = usage.reasoningTokens ?? 0;
  const plainOutput = Math.max(0, usage.outputTokens - reasoning);
  const perMillion =
    plainInput * price.input
    + cached * (price.cachedInput ?? price.input)
    + written * (price.cacheWriteInput ?? price.input)
    + plainOutput * price.output
    + reasoning * (price.reasoning ?? price.output);
  return { amount: Math.round(perMillion * 1000) / 1e9, currency: price.currency ?? 'USD' };
}

/**
 * Entries of a price list that can never apply: an earlier entry takes every request they name
 * (same upstream globs or any upstream, and a model glob `*` or the same globs). For load-time
 * diagnostics: `[index, earlier]` pairs.
 *
 * @example
 * shadowedPrices([{ model: '*', input: 1, output: 1 }, { model: 'gpt-4o', input: 2, output: 8 }]) // => [[1, 0]]
 */
export function shadowedPrices(entries: readonly PriceEntry[]): [number, number][] {
  const key = (v: string | readonly string[] | undefined) => (v === undefined ? undefined : [...globList(v)].sort().join('\u0000'));
  const out: [number, number][] = [];
  entries.forEach((e, i) => {
    const earlier = entries.findIndex((p, j) => j < i
      && (p.upstream === undefined || key(p.upstream) === key(e.upstream))
      && (globList(p.model).includes('*') || key(p.model) === key(e.model)));
    if (earlier >= 0) out.push([i, earlier]);
  });
  return out;
}
