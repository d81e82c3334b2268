import { compileLinearRegex, type LinearRegex } from '../linear-regex';
import { promptLength, promptSlice } from '../prompt-text';

/** Longest pattern accepted: longer ones are nearly always a mistake (or an attack on the matcher). */
export const maxPatternLength = 1000;

export type SafeRegexResult = { ok: true; regex: LinearRegex } | { ok: false; message: string; code: string };

/**
 * Compiles a policy content pattern (JavaScript syntax, case-insensitive) onto the linear-time
 * engine (`core/linear-regex.ts`), so no pattern can stall the gateway on any prompt. Lookaround
 * and backreferences, which need backtracking, are refused. Prompts are also bounded before the
 * scan (`boundPromptText()`), which bounds the cost per request.
 *
 * @example
 * compileSafeRegex('ignore (all )?previous instructions') // => { ok: true, regex: /ignore (all )?previous instructions/i }
 * compileSafeRegex('(a)\\1').ok                          // => false (backreference)
 */
export function compileSafeRegex(pattern: string): SafeRegexResult {
  if (pattern.length > maxPatternLength) {
    return { ok: false, code: 'ERR_POLICY_REGEX_TOO_LONG', message: `pattern is ${pattern.length} characters long; at most ${maxPatternLength} are allowed` };
  }
  const r = compileLinearRegex(pattern, { ignoreCase: true });
  if (r.ok) return r;
  return { ok: false, code: r.unsupported ? 'ERR_POLICY_UNSAFE_REGEX' : 'ERR_POLICY_INVALID_REGEX', message: r.message };
}

/**
 * The part of a prompt content patterns scan: all of it when short, otherwise the first and last
 * `maxChars / 2` characters joined by a newline (the start holds the system prompt, the end the
 * latest user turn). This bounds the cost of every content pattern on every request. The prompt
 * may be given as its parts (`promptSource`): the ends are then cut from them, never from the
 * whole text joined.
 *
 * @example
 * boundPromptText('x'.repeat(100_000), 65_536).length // => 65_537
 */
export function boundPromptText(text: string | readonly string[], maxChars: number): string {
  const length = promptLength(text);
  if (length <= maxChars) return promptSlice(text, 0, length);
  const half = maxChars >> 1;
  return promptSlice(text, 0, half) + '\n' + promptSlice(text, length - half, length);
}

/** Default for `maxPromptScanBytes` (config `policy.maxPromptScanBytes`): 64 KiB. */
export const defaultMaxPromptScanBytes = 65_536;
