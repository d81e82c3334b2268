/**
 * Globs for subjects, paths and model names: `*` matches any run of characters (including `/`),
 * `?` matches exactly one, everything else matches itself. Compiled once into a plain predicate;
 * matching never uses a backtracking regex: the literal pieces between stars are found leftmost,
 * left to right, each with one indexOf (pieces with `?` by a scan), so a text is read about once
 * per piece whatever it holds. This is the only glob matcher (policy, deny lists, alerts, upstream
 * model routing).
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
  const general: GlobMatcher[] = [];
  for (const p of patterns) {
    if (p === '*' || /^\*+$/.test(p)) return () => true;
    const kind = classify(p);
    if (kind === 'exact') exact.add(p);
    else if (kind === 'prefix') prefixes.push(p.slice(0, -1));
    else if (kind === 'suffix') suffixes.push(p.slice(1));
    else general.push(compileGeneral(p));
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
    for (const g of general) if (g(text)) return true;
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
 * Whether `text` matches the glob `pattern` (one pattern, compiled on the spot; `compileGlobs`
 * compiles once for repeated use).
 *
 * @example
 * wildcardMatch('*claude*opus*', 'anthropic/claude-3-opus') // => true
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  return compileGeneral(pattern)(text);
}

/**
 * A pattern split at its stars: the head must start the text, the tail end it, and each middle
 * piece is taken at its leftmost place after the previous one (taking it later never helps).
 */
function compileGeneral(pattern: string): GlobMatcher {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return (text) => text.length === pattern.length && pieceAt(pattern, text, 0);
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((piece) => piece !== '');
  const minLength = head.length + tail.length + middle.reduce((n, piece) => n + piece.length, 0);
  return (text) => {
    if (text.length < minLength || !pieceAt(head, text, 0)) return false;
    const end = text.length - tail.length;
    if (!pieceAt(tail, text, end)) return false;
    let from = head.length;
    for (const piece of middle) {
      const at = findPiece(piece, text, from, end);
      if (at < 0) return false;
      from = at + piece.length;
    }
    return true;
  };
}

/** The piece (no `*`; `?` any one character) occurs in text at `at`. */
function pieceAt(piece: string, text: string, at: number): boolean {
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    if (c !== 63 /* ? */ && c !== text.charCodeAt(at + i)) return false;
  }
  return true;
}

/** Leftmost place in [from, end - piece.length] where the piece occurs, or -1. */
function findPiece(piece: string, text: string, from: number, end: number): number {
  const last = end - piece.length;
  if (!piece.includes('?')) {
    const at = text.indexOf(piece, from);
    return at >= 0 && at <= last ? at : -1;
  }
  for (let at = from; at <= last; at++) if (pieceAt(piece, text, at)) return at;
  return -1;
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
