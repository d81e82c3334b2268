import type { Usage as UsageSettings } from '../generated/gatehouse.config';
import { bytesOver4, completeOutput, estimateUsage, isOpenAiModel, type TokenCounter } from '../core/usage/estimate';
import type { Usage } from '../core/usage/usage';
import { outputTextOf } from '../core/usage/output-text';
import { costOf, type PriceEntry, type PriceTable } from '../core/usage/pricing';
import { usageDialect } from '../core/usage/usage';
import type { Logger } from '../log';
import type { BudgetService, UsageService } from '../runtime';
import type { CounterCell } from '../server/metric-cells';
import type { GatewayMetrics } from '../server/metrics';
import { openAiTokenCounter } from './tokenizer';
import { createUsageTap } from './usage-tap';
import { withStreamUsage } from '../core/usage/stream-usage-request';

/** Endpoints whose responses carry token usage. */
const metered = new Set(['chat', 'completions', 'responses', 'embeddings', 'messages']);
/** Endpoints whose streams report usage only when asked (stream_options.include_usage). */
const askable = new Set(['chat', 'completions']);
/** Upstream and model pairs whose price and series are kept at hand. */
const maxCachedSeries = 1000;

interface Series {
  price: PriceEntry | undefined;
  input: CounterCell;
  output: CounterCell;
  cost?: CounterCell;
  unpriced?: CounterCell;
}

/** Distinct unpriced models warned about in the log (the counter counts them all). */
const maxUnpricedWarnings = 100;

/**
 * Usage and cost of each exchange: asks OpenAI streams for their usage, reads it from every
 * relayed response, counts it when the upstream reported none (config usage.estimate), prices it
 * (config pricing) and counts tokens and cost in the metrics. One settle per exchange, before its
 * outcome record is built, wherever the exchange ends (whole, cut, aborted).
 */
export function createUsageService(settings: UsageSettings | undefined, prices: PriceTable, deps: { log: Logger; metrics: GatewayMetrics; counter?: () => TokenCounter | undefined }): UsageService {
  const askStreams = settings?.includeStreamUsage ?? true;
  const estimate = settings?.estimate ?? 'tokenizer';
  const counter = deps.counter ?? (() => openAiTokenCounter(deps.log));
  // Per upstream and model: the price and the metric cells, looked up once (server/metric-cells.ts).
  const seriesByModel = new Map<string, Series>();
  const seriesOf = (upstream: string, model: string): Series => {
    const key = `${upstream}\u0000${model}`;
    let s = seriesByModel.get(key);
    if (!s) {
      if (seriesByModel.size >= maxCachedSeries) seriesByModel.clear();
      s = {
        price: prices(upstream, model),
        input: deps.metrics.tokens.cell({ direction: 'input', model, upstream }),
        output: deps.metrics.tokens.cell({ direction: 'output', model, upstream }),
      };
      seriesByModel.set(key, s);
    }
    return s;
  };
  const warned = new Set<string>();

  return {
    askStreamUsage(request, json, body) {
      if (!askStreams || !request.stream || !askable.has(request.endpoint)) return undefined;
      return withStreamUsage(json, body);
    },

    responseTap(request, head, asked) {
      if (!metered.has(request?.endpoint ?? 'other')) return null;
      return createUsageTap(usageDialect(request?.endpoint), head.contentType, {
        // Only a success carries the extra chunk (an error is one event or a JSON body).
        stripAsked: asked && head.status >= 200 && head.status < 300,
        collectText: estimate !== 'none',
      });
    },

    settle({ request, status = 0, tap, auditResponseBody }) {
      if (!tap) return {};
      const seen = tap.reported();
      let usage = seen.usage;
      // An error answer was not generated: it counts what it reports, and nothing is guessed for it.
      // Only an answer whose usage is missing or unfinished is counted, and only then is the
      // tokenizer loaded: its tables are ≈ 15 MB of heap that every full collection marks (issue 23).
      if (status >= 200 && status < 300 && estimate !== 'none' && (!usage || (seen.stream && !seen.final))) {
        const count = estimate === 'tokenizer' && isOpenAiModel(request?.model) ? counter() : undefined;
        const output = seen.stream ? tap.outputText() : { text: outputTextOf(auditResponseBody), scale: 1 };
        if (!usage) usage = scaleOutput(estimateUsage({ promptText: request?.promptText ?? '', outputText: output.text }, count), output.scale);
        // A stream cut before its closing usage: Anthropic's message_start gave the input, the output is counted.
        else if (seen.stream && !seen.final) usage = completeOutput(usage, Math.round((count ?? bytesOver4)(output.text) * output.scale), count ? 'estimated' : 'bytes');
      }
      if (!usage) return {};
      const upstream = request?.upstream ?? 'unknown';
      const model = request?.model ?? 'unknown';
      const series = seriesOf(upstream, model);
      series.input.inc(usage.inputTokens);
      series.output.inc(usage.outputTokens);
      const price = series.price;
      if (!price) {
        (series.unpriced ??= deps.metrics.unpriced.cell({ upstream })).inc();
        const key = `${upstream}\u0000${model}`;
        if (!warned.has(key) && warned.size < maxUnpricedWarnings) {
          warned.add(key);
          deps.log.warn('usage: no price for this model; its cost is left out of the records', { upstream, model });
        }
        return { usage };
      }
      const cost = costOf(usage, price);
      (series.cost ??= deps.metrics.cost.cell({ currency: cost.currency, model, upstream })).inc(cost.amount);
      return { usage, cost };
    },
  };
}

/** A stream longer than what was kept of it: the output count scaled by the share that was read. */
function scaleOutput(usage: Usage, scale: number): Usage {
  if (scale === 1) return usage;
  const outputTokens = Math.round(usage.outputTokens * scale);
  return { ...usage, outputTokens, totalTokens: usage.inputTokens + outputTokens };
}

/** `serve --proxy-only`: no budgets kept. */
export const noBudgets: BudgetService = { plan: () => undefined, reserve: () => undefined, settle() {} };

/** `serve --proxy-only`: nothing asked, read or counted. */
export const noUsage: UsageService = { askStreamUsage: () => undefined, responseTap: () => null, settle: () => ({}) };
