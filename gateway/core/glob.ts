/**
 * Compiles a glob (`*` any run of characters, `?` one character; everything else literal) into
 * a matcher, once. Used for model names, subjects and paths.
 *
 * @example
 * const m = compileGlob('gpt-4o*');
 * m('gpt-4o-mini') // => true
 * m('gpt-3.5')     // => false
 */
export function compileGlob(glob: string): (value: string) => boolean {
  if (glob === '*') return () => true;
  if (!/[*?]/.test(glob)) return (value) => value === glob;
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, 's');
  return (value) => re.test(value);
}

/** Matches when any of the globs matches; an empty or missing list matches everything. */
export function compileGlobList(globs: readonly string[] | undefined): (value: string | undefined) => boolean {
  if (!globs?.length) return () => true;
  const matchers = globs.map(compileGlob);
  return (value) => value !== undefined && matchers.some((m) => m(value));
}
