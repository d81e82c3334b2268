import { join } from 'node:path';
import type { TokenCounter } from '../core/usage/estimate';
import type { Logger } from '../log';

/** Set by the gateway's esbuild build: the tokenizer is the file of this name beside the bundle. */
declare const GATEHOUSE_TOKENIZER_BUNDLE: string | undefined;

let loaded: TokenCounter | null | undefined;

/**
 * OpenAI's o200k_base counter (gpt-tokenizer), loaded on first use: the gateway starts and runs
 * without it until an upstream leaves usage out. From source it is the package; in the built
 * gateway, dist/tokenizer.js beside it. When it cannot be loaded, estimates fall back to
 * bytes ÷ 4 (marked `bytes`), and the reason is logged once.
 */
export function openAiTokenCounter(log: Logger): TokenCounter | undefined {
  if (loaded === undefined) {
    const spec = typeof GATEHOUSE_TOKENIZER_BUNDLE === 'string' ? join(__dirname, GATEHOUSE_TOKENIZER_BUNDLE) : 'gpt-tokenizer/encoding/o200k_base';
    try {
      // A computed name: esbuild leaves it to run time instead of bundling the ranks into the gateway.
      const mod = require(spec) as { countTokens(text: string): number };
      loaded = (text) => mod.countTokens(text);
    } catch (err) {
      loaded = null;
      log.warn('usage: the tokenizer could not be loaded; estimates use bytes ÷ 4', { message: (err as Error).message });
    }
  }
  return loaded ?? undefined;
}
