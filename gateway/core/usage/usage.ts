/**
 * Token usage in one shape, whatever the provider calls it. The providers' documented `usage`
 * objects:
 * - OpenAI chat/completions/embeddings: `prompt_tokens` (cached ones included),
 *   `prompt_tokens_details.cached_tokens`, `completion_tokens` (reasoning included),
 *   `completion_tokens_details.reasoning_tokens`, `total_tokens`.
 * - OpenAI Responses: `input_tokens`, `input_tokens_details.cached_tokens`, `output_tokens`,
 *   `output_tokens_details.reasoning_tokens`, `total_tokens`.
 * - Anthropic messages: `input_tokens` counts only the input after the last cache breakpoint;
 *   `cache_read_input_tokens` and `cache_creation_input_tokens` are the rest, so the whole input
 *   is their sum. `output_tokens` includes thinking. There is no total.
 *
 * Normalized: `inputTokens` is the whole input (cached reads and cache writes are parts of it),
 * `outputTokens` the whole output (reasoning is a part of it), so a price table charges each part once.
 */
import type { Usage } from '../../generated/audit-record';

/** The normalized shape is the audit record's `usage` (schemas/audit-record.schema.json): defined once. */
export type { Usage };
/** reported: the upstream's own figures; estimated: a tokenizer count; bytes: bytes ÷ 4. */
export type UsageSource = Usage['source'];

/** How a provider spells usage: OpenAI (both chat and Responses names) or Anthropic. */
export type UsageDialect = 'openai' | 'anthropic';

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);

/**
 * A provider's `usage` object, normalized; undefined when it holds no token count at all.
 *
 * @example
 * normalizeUsage({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29,
 *   prompt_tokens_details: { cached_tokens: 8 }, completion_tokens_details: { reasoning_tokens: 4 } }, 'openai')
 * // => { inputTokens: 20, cachedInputTokens: 8, outputTokens: 9, reasoningTokens: 4, totalTokens: 29, source: 'reported' }
 * normalizeUsage({ input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 7 }, 'anthropic')
 * // => { inputTokens: 125, cachedInputTokens: 100, cacheCreationInputTokens: 20, outputTokens: 7, totalTokens: 132, source: 'reported' }
 */
export function normalizeUsage(u: unknown, dialect: UsageDialect): Usage | undefined {
  if (!isObj(u)) return undefined;
  return dialect === 'anthropic' ? fromAnthropic(u) : fromOpenAi(u);
}

function fromOpenAi(u: Json): Usage | undefined {
  const input = count(u.prompt_tokens) ?? count(u.input_tokens);
  const output = count(u.completion_tokens) ?? count(u.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const inDetails = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : isObj(u.input_tokens_details) ? u.input_tokens_details : undefined;
  const outDetails = isObj(u.completion_tokens_details) ? u.completion_tokens_details : isObj(u.output_tokens_details) ? u.output_tokens_details : undefined;
  const inputTokens = input ?? 0;
  const outputTokens = output ?? 0;
  const usage: Usage = { inputTokens, outputTokens, totalTokens: count(u.total_tokens) ?? inputTokens + outputTokens, source: 'reported' };
  const cached = count(inDetails?.cached_tokens);
  if (cached) usage.cachedInputTokens = Math.min(cached, inputTokens);
  const reasoning = count(outDetails?.reasoning_tokens);
  if (reasoning) usage.reasoningTokens = Math.min(reasoning, outputTokens);
  return reorder(usage);
}

function fromAnthropic(u: Json): Usage | undefined {
  const uncached = count(u.input_tokens);
  const read = count(u.cache_read_input_tokens);
  const written = count(u.cache_creation_input_tokens);
  const output = count(u.output_tokens);
  if (uncached === undefined && read === undefined && written === undefined && output === undefined) return undefined;
  const inputTokens = (uncached ?? 0) + (read ?? 0) + (written ?? 0);
  const usage: Usage = { inputTokens, outputTokens: output ?? 0, totalTokens: inputTokens + (output ?? 0), source: 'reported' };
  if (read) usage.cachedInputTokens = read;
  if (written) usage.cacheCreationInputTokens = written;
  return reorder(usage);
}

/** Members in one order (input, its parts, output, its parts, total, source): records read alike. */
function reorder(u: Usage): Usage {
  const out: Usage = { inputTokens: u.inputTokens } as Usage;
  if (u.cachedInputTokens !== undefined) out.cachedInputTokens = u.cachedInputTokens;
  if (u.cacheCreationInputTokens !== undefined) out.cacheCreationInputTokens = u.cacheCreationInputTokens;
  out.outputTokens = u.outputTokens;
  if (u.reasoningTokens !== undefined) out.reasoningTokens = u.reasoningTokens;
  out.totalTokens = u.totalTokens;
  out.source = u.source;
  return out;
}

/**
 * The usage a whole (non-streamed) JSON response reports: its top-level `usage` (OpenAI chat,
 * completions, embeddings, Responses; Anthropic messages). undefined when it has none.
 *
 * @example
 * usageOfBody({ object: 'list', data: [], usage: { prompt_tokens: 8, total_tokens: 8 } }, 'openai')
 * // => { inputTokens: 8, outputTokens: 0, totalTokens: 8, source: 'reported' }
 */
export function usageOfBody(body: unknown, dialect: UsageDialect): Usage | undefined {
  return isObj(body) ? normalizeUsage(body.usage, dialect) : undefined;
}

/** The dialect of an endpoint kind: Anthropic's messages API, else OpenAI's names. */
export function usageDialect(endpoint: string | undefined): UsageDialect {
  return endpoint === 'messages' ? 'anthropic' : 'openai';
}
