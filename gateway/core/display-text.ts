/**
 * Text from callers (model names, paths, subjects, reasons) made safe to show a person: every
 * character that a terminal or an editor would act on instead of showing is written as a
 * visible escape. That is C0 controls (a newline forges a line, ESC starts a terminal sequence
 * that can rewrite or hide the real one), DEL, C1 controls (U+009B is a one-byte CSI), the line
 * and paragraph separators U+2028/U+2029, and the bidirectional controls that reorder what is
 * shown (CVE-2021-42574: U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C). The same
 * function serves the CLI and the extension's views.
 *
 * @example
 * displayText('gpt-4o\n2026-01-01  allow\u001b[2K') // => 'gpt-4o\\n2026-01-01  allow\\x1b[2K'
 * displayText('admin\u202Egnp.exe')                 // => 'admin\\u{202e}gnp.exe'
 * displayText('line 1\nline 2', { keepNewlines: true }) // => 'line 1\nline 2'
 */
export function displayText(text: string, options: { keepNewlines?: boolean } = {}): string {
  if (!unsafe.test(text)) return text; // most text has nothing to escape
  return text.replace(unsafeAll, (c) => (options.keepNewlines && c === '\n' ? c : escapeOf(c)));
}

const unsafeClass = '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]';
const unsafe = new RegExp(unsafeClass);
const unsafeAll = new RegExp(unsafeClass, 'g');

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOf(c: string): string {
  const code = c.charCodeAt(0);
  return named[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`);
}
