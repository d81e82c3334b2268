/**
 * The small JSON path dialect of masking field rules, matched against the concrete path of a
 * value while a body is walked (no evaluation over the document: one walk serves every rule).
 *
 *   $            the body
 *   .name        a key            ['odd key']  a key with other characters
 *   [n]          an array index   [*] or .*    any element or key
 *   ..name       the key at any depth below
 */
export type PathSegment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'any' }
  | { kind: 'descend' };

/** A concrete position in a document: keys and indexes from the root. */
export type ConcretePath = readonly (string | number)[];

/**
 * Parses a field path; throws a readable error on bad syntax.
 *
 * @example
 * parseJsonPath('$.messages[*].content')
 * // => [{ kind: 'key', key: 'messages' }, { kind: 'any' }, { kind: 'key', key: 'content' }]
 */
export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new Error(`path must start with $: ${path}`);
  const out: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      out.push({ kind: 'descend' });
      i += 1; // the second dot is read as the start of the next key
      continue;
    }
    const c = path[i];
    if (c === '.') {
      const m = /^(\*|[A-Za-z0-9_$@-]+)/.exec(path.slice(i + 1));
      if (!m) throw new Error(`expected a key after "." at ${i + 1} in ${path}`);
      out.push(m[1] === '*' ? { kind: 'any' } : { kind: 'key', key: m[1] });
      i += 1 + m[1].length;
    } else if (c === '[') {
      const rest = path.slice(i);
      const m = /^\[(?:(\*)|(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
      if (!m) throw new Error(`bad bracket at ${i} in ${path}: use [*], [n] or ['key']`);
      if (m[1]) out.push({ kind: 'any' });
      else if (m[2] !== undefined) out.push({ kind: 'index', index: Number(m[2]) });
      else out.push({ kind: 'key', key: (m[3] ?? m[4]).replace(/\\(.)/g, '$1') });
      i += m[0].length;
    } else {
      throw new Error(`unexpected "${c}" at ${i} in ${path}`);
    }
  }
  if (out.length && out[out.length - 1].kind === 'descend') throw new Error(`path cannot end with "..": ${path}`);
  return out;
}

/**
 * Whether a concrete path is matched by a parsed pattern exactly, or lies below a match
 * (`under` true): `$.metadata` covers `$.metadata.patient.name` too.
 *
 * @example
 * matchPath(parseJsonPath('$.messages[*].content'), ['messages', 2, 'content']) // => 'exact'
 * matchPath(parseJsonPath('$.metadata'), ['metadata', 'x'])                      // => 'under'
 * matchPath(parseJsonPath('$.input'), ['model'])                                 // => false
 */
export function matchPath(pattern: readonly PathSegment[], path: ConcretePath, p = 0, s = 0): 'exact' | 'under' | false {
  if (p === pattern.length) return s === path.length ? 'exact' : 'under';
  if (s === path.length) return false;
  const seg = pattern[p];
  const part = path[s];
  switch (seg.kind) {
    case 'key':
      return typeof part === 'string' && part === seg.key ? matchPath(pattern, path, p + 1, s + 1) : false;
    case 'index':
      return part === seg.index ? matchPath(pattern, path, p + 1, s + 1) : false;
    case 'any':
      return matchPath(pattern, path, p + 1, s + 1);
    case 'descend': {
      let best: 'exact' | 'under' | false = false;
      for (let k = s; k < path.length; k++) {
        const r = matchPath(pattern, path, p + 1, k);
        if (r === 'exact') return r;
        if (r) best = r;
      }
      return best;
    }
  }
}

/**
 * Renders a concrete path the way reports print it.
 *
 * @example
 * formatPath(['messages', 0, 'content']) // => '$.messages[0].content'
 */
export function formatPath(path: ConcretePath): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(part)) out += `.${part}`;
    else out += `['${part.replace(/['\\]/g, '\\$&')}']`;
  }
  return out;
}

/**
 * Reads back a concrete path printed by `formatPath` (a streamed slot's path). `[*]` reads as
 * the key '*'.
 *
 * @example
 * parseConcretePath('$.choices[0].message.content') // => ['choices', 0, 'message', 'content']
 * parseConcretePath("$['odd key'].x")               // => ['odd key', 'x']
 */
export function parseConcretePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.slice(1).matchAll(/\.([^.[]+)|\[(\d+|\*)\]|\['((?:[^'\\]|\\.)*)'\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(m[2] === '*' ? '*' : Number(m[2]));
    else out.push(m[3].replace(/\\(.)/g, '$1'));
  }
  return out;
}
