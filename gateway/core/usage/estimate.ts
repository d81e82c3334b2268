import type { Usage } from './usage';

/** Counts the tokens of a text (a BPE tokenizer's count). */
export type TokenCounter = (text: string) => number;

/**
 * Usage counted by the gateway when the upstream reported none (some local servers, a stream
 * cut before its usage event): a tokenizer's count (`estimated`) when one fits the model, else
 * UTF-8 bytes ÷ 4 rounded up (`bytes`), the usual rule of thumb for English text. Either is
 * marked, never passed off as the upstream's figure.
 *
 * @example
 * estimateUsage({ promptText: 'Say hello', outputText: 'Hello!' }, undefined)
 * // => { inputTokens: 3, outputTokens: 2, totalTokens: 5, source: 'bytes' }
 */
export function estimateUsage(texts: { promptText: string; outputText: string }, counter: TokenCounter | undefined): Usage {
  const count = counter ?? bytesOver4;
  const inputTokens = texts.promptText ? count(texts.promptText) : 0;
  const outputTokens = texts.outputText ? count(texts.outputText) : 0;
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, source: counter ? 'estimated' : 'bytes' };
}

/**
 * Completes a stream's partial report (Anthropic's message_start: the input exact, the output
 * so far) with an estimated output, when the stream ended before its closing usage.
 *
 * @example
 * completeOutput({ inputTokens: 40, outputTokens: 1, totalTokens: 41, source: 'reported' }, 12)
 * // => { inputTokens: 40, outputTokens: 12, totalTokens: 52, source: 'estimated' }
 */
export function completeOutput(partial: Usage, outputTokens: number, source: 'estimated' | 'bytes' = 'estimated'): Usage {
  const output = Math.max(partial.outputTokens, outputTokens);
  const { reasoningTokens: _dropped, ...rest } = partial;
  return { ...rest, outputTokens: output, totalTokens: partial.inputTokens + output, source };
}

/** UTF-8 bytes ÷ 4, rounded up. */
export function bytesOver4(text: string): number {
  return Math.ceil(utf8Length(text) / 4);
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Whether a model name belongs to OpenAI's families, whose tokenizer (o200k_base; cl100k_base
 * for the older GPT-4 and 3.5 counts within a few percent of it) the gateway ships.
 *
 * @example
 * isOpenAiModel('gpt-4o-mini') // => true
 * isOpenAiModel('claude-sonnet-4-5') // => false
 */
export function isOpenAiModel(model: string | undefined): boolean {
  return model !== undefined && /^(?:ft:)?(?:gpt-|o\d|chatgpt-|text-embedding-|codex-|computer-use-)/.test(model);
}
