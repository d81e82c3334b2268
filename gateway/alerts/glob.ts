/** Compiles model globs (`*` any characters, `?` one) into one anchored, case-sensitive matcher. */
export function compileGlobs(globs: readonly string[]): (value: string) => boolean {
  const source = globs.map((g) => g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')).join('|');
  const re = new RegExp(`^(?:${source})$`);
  return (value) => re.test(value);
}
