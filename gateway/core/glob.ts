/**
 * Globs for subjects, paths and model names: `*` matches any run of characters (including `/`),
 * `?` matches exactly one, everything else matches itself. Compiled once into a plain predicate;
 * matching never uses a backtracking regex, so it stays O(text × pattern) on any input.
 *
 * @example
 * const m = compileGlobs(['gpt-4o-mini*', 'text-embedding-3-small']);
 * m('gpt-4o-mini-2024-07-18') // => true
 * m('gpt-4o')                 // => false
 */
export type GlobMatcher = (text: string) => boolean;

export function compileGlobs(patterns: readonly string[]): GlobMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const suffixes: string[] = [];
  const general: string[] = [];
  for (const p of patterns) {
    if (p === '*' || /^\*+$/.test(p)) return () => true;
    const kind = classify(p);
    if (kind === 'exact') exact.add(p);
    else if (kind === 'prefix') prefixes.push(p.slice(0, -1));
    else if (kind === 'suffix') suffixes.push(p.slice(1));
    else general.push(p);
  }
  // Specialize the common shapes: one literal, one prefix, only literals.
  const kinds = (exact.size ? 1 : 0) + prefixes.length + suffixes.length + general.length;
  if (kinds === 1 && exact.size === 1) {
    const only = [...exact][0]!;
    return (text) => text === only;
  }
  if (kinds === 1 && prefixes.length === 1) {
    const prefix = prefixes[0]!;
    return (text) => text.startsWith(prefix);
  }
  if (!prefixes.length && !suffixes.length && !general.length) return (text) => exact.has(text);
  return (text) => {
    if (exact.has(text)) return true;
    for (const p of prefixes) if (text.startsWith(p)) return true;
    for (const s of suffixes) if (text.endsWith(s)) return true;
    for (const g of general) if (wildcardMatch(g, text)) return true;
    return false;
  };
}

/** Normalizes the schema's "one glob or a list" to a list. */
export function globList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

function classify(p: string): 'exact' | 'prefix' | 'suffix' | 'general' {
  if (!hasWildcard(p)) return 'exact';
  const body = p.slice(0, -1);
  if (p.endsWith('*') && !hasWildcard(body)) return 'prefix';
  const tail = p.slice(1);
  if (p.startsWith('*') && !hasWildcard(tail)) return 'suffix';
  return 'general';
}

/**
 * Classic two-pointer wildcard match: on a mismatch, backtrack only to the last `*`.
 * Worst case O(text × pattern), no recursion, no regex.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === 63 /* ? */ || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && c === 42 /* * */) {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/**
 * True when every string `inner` matches is also matched by `outer` (conservative: false
 * when unsure). Used to find rules shadowed by an earlier, broader rule.
 *
 * @example
 * globCovers('gpt-4o*', 'gpt-4o-mini*') // => true
 * globCovers('gpt-4o-mini*', 'gpt-4o*') // => false
 */
export function globCovers(outer: string, inner: string): boolean {
  if (/^\*+$/.test(outer) || outer === inner) return true;
  if (!hasWildcard(inner)) return wildcardMatch(outer, inner);
  const kind = classify(outer);
  if (kind === 'prefix') {
    const prefix = outer.slice(0, -1);
    const innerLiteralHead = inner.slice(0, firstWildcard(inner));
    return innerLiteralHead.startsWith(prefix);
  }
  if (kind === 'suffix') {
    const suffix = outer.slice(1);
    const innerLiteralTail = inner.slice(lastWildcard(inner) + 1);
    return innerLiteralTail.endsWith(suffix);
  }
  return false;
}

/** Every glob in `inner` is covered by some glob in `outer`. */
export function globsCover(outer: readonly string[], inner: readonly string[]): boolean {
  return inner.every((i) => outer.some((o) => globCovers(o, i)));
}

function firstWildcard(s: string): number {
  const a = s.indexOf('*');
  const b = s.indexOf('?');
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

function lastWildcard(s: string): number {
  return Math.max(s.lastIndexOf('*'), s.lastIndexOf('?'));
}
