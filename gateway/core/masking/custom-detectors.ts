import { compileLinearRegex } from '../linear-regex';
import type { Custom } from '../../generated/masking-rules';
import type { CustomDetector } from './scanner';

/**
 * Compiles a policy's custom regex detector onto the linear-time engine (`core/linear-regex.ts`:
 * a policy must not be able to stall the gateway on any body). Refuses patterns that fail to
 * compile, need backtracking (lookaround, backreferences) or can match the empty string.
 *
 * @example
 * compileCustomDetector({ name: 'employee-id', pattern: 'EMP-\\d{6}', context: ['employee'] })
 * // => { ok: true, detector: { name: 'employee-id', regex: /EMP-\d{6}/, confidence: 0.8, ... } }
 * compileCustomDetector({ name: 'bad', pattern: '(?<=x)a' })
 * // => { ok: false, error: 'unsupported regular expression /(?<=x)a/: lookahead, lookbehind and backreferences ...' }
 */
export function compileCustomDetector(def: Custom): { ok: true; detector: CustomDetector } | { ok: false; error: string } {
  const compiled = compileLinearRegex(def.pattern, { ignoreCase: def.ignoreCase === true });
  if (!compiled.ok) return { ok: false, error: compiled.message };
  const regex = compiled.regex;
  if (regex.test('')) return { ok: false, error: 'pattern matches the empty string' };
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
