import safeRegex from 'safe-regex2';

/** Longest pattern accepted: longer ones are nearly always a mistake (or an attack on the matcher). */
export const maxPatternLength = 1000;

export type SafeRegexResult = { ok: true; regex: RegExp } | { ok: false; message: string; code: string };

/**
 * Compiles a policy content pattern (JavaScript syntax, case-insensitive), refusing patterns that
 * can backtrack catastrophically: nested quantifiers such as `(a+)+` (star height above 1, checked
 * with safe-regex2), more than 25 quantifiers, and backreferences. The second line of defence is
 * bounded input: content patterns only ever see `boundPromptText()` of the prompt.
 *
 * @example
 * compileSafeRegex('ignore (all )?previous instructions') // => { ok: true, regex: /ignore (all )?previous instructions/i }
 * compileSafeRegex('(a+)+$').ok                          // => false (nested quantifier)
 */
export function compileSafeRegex(pattern: string): SafeRegexResult {
  if (pattern.length > maxPatternLength) {
    return { ok: false, code: 'ERR_POLICY_REGEX_TOO_LONG', message: `pattern is ${pattern.length} characters long; at most ${maxPatternLength} are allowed` };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'i');
  } catch (err) {
    const detail = (err as Error).message.replace(/^Invalid regular expression: /, '');
    return { ok: false, code: 'ERR_POLICY_INVALID_REGEX', message: `invalid regular expression: ${detail}` };
  }
  if (hasBackreference(pattern)) {
    return { ok: false, code: 'ERR_POLICY_UNSAFE_REGEX', message: `unsafe regular expression /${pattern}/: backreferences can take exponential time; rewrite without \\1 or \\k<name>` };
  }
  if (!safeRegex(pattern)) {
    return {
      ok: false,
      code: 'ERR_POLICY_UNSAFE_REGEX',
      message: `unsafe regular expression /${pattern}/: it can backtrack catastrophically (a quantifier inside a quantified group, like (a+)+, or more than 25 quantifiers); rewrite it without nested repetition`,
    };
  }
  return { ok: true, regex };
}

/** A backreference is `\1`..`\9` or `\k<name>` outside a character class, not itself escaped. */
function hasBackreference(pattern: string): boolean {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (!inClass && next !== undefined && ((next >= '1' && next <= '9') || (next === 'k' && pattern[i + 2] === '<'))) return true;
      i++;
    } else if (c === '[') {
      inClass = true;
    } else if (c === ']') {
      inClass = false;
    }
  }
  return false;
}

/**
 * The part of a prompt content patterns scan: all of it when short, otherwise the first and last
 * `maxChars / 2` characters joined by a newline (the start holds the system prompt, the end the
 * latest user turn). This bounds the cost of every content pattern on every request.
 *
 * @example
 * boundPromptText('x'.repeat(100_000), 65_536).length // => 65_537
 */
export function boundPromptText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = maxChars >> 1;
  return text.slice(0, half) + '\n' + text.slice(text.length - half);
}

/** Default for `maxPromptScanBytes` (config `policy.maxPromptScanBytes`): 64 KiB. */
export const defaultMaxPromptScanBytes = 65_536;
