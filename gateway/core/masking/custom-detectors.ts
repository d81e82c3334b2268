import safeRegex from 'safe-regex2';
import type { Custom } from '../../generated/masking-rules';
import type { CustomDetector } from './scanner';

/**
 * Compiles a policy's custom regex detector. Refuses patterns that fail to compile, can match
 * the empty string, or could backtrack catastrophically (star height > 1, per safe-regex2):
 * a policy must not be able to stall the gateway.
 *
 * @example
 * compileCustomDetector({ name: 'employee-id', pattern: 'EMP-\\d{6}', context: ['employee'] })
 * // => { ok: true, detector: { name: 'employee-id', regex: /EMP-\d{6}/g, confidence: 0.8, ... } }
 * compileCustomDetector({ name: 'bad', pattern: '(a+)+$' })
 * // => { ok: false, error: 'pattern could backtrack catastrophically ...' }
 */
export function compileCustomDetector(def: Custom): { ok: true; detector: CustomDetector } | { ok: false; error: string } {
  let regex: RegExp;
  try {
    regex = new RegExp(def.pattern, def.ignoreCase ? 'gi' : 'g');
  } catch (err) {
    return { ok: false, error: `pattern does not compile: ${(err as Error).message}` };
  }
  if (!safeRegex(regex, { limit: 25 })) {
    return { ok: false, error: 'pattern could backtrack catastrophically (nested quantifiers); rewrite it without a repeated group that itself repeats' };
  }
  if (regex.test('')) return { ok: false, error: 'pattern matches the empty string' };
  regex.lastIndex = 0;
  const context = def.context?.length
    ? new RegExp(`(?:${def.context.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'i')
    : undefined;
  return {
    ok: true,
    detector: {
      name: def.name,
      regex,
      confidence: def.confidence ?? 0.8,
      ...(context ? { context } : {}),
      spansWhitespace: mayMatchWhitespace(def.pattern),
    },
  };
}

/** Conservative: any construct that can match a space makes the stream hold back more text. */
function mayMatchWhitespace(pattern: string): boolean {
  return /\\s|\\W|\\D|\[\^| |\.|\\x20|\\u0020|\\t|\\n/.test(pattern);
}
