/**
 * Literals a regular expression cannot match without: a set of strings such that every match of
 * the pattern contains at least one of them. A text holding none of them cannot match, so the
 * pattern need not run on it (policy content patterns run over every prompt, and most prompts hold
 * none of a deny list's phrases: a plain search for the phrases costs a fraction of the automaton).
 *
 * The pattern is read in the syntax `compileLinearRegex` takes (JavaScript's, run on RE2), and
 * only the part of it whose meaning is the same for both is understood: ASCII literal characters,
 * escaped punctuation, `\n \r \t`, groups `( (?: (?<name>`, alternation, the quantifiers
 * `? * + {n} {n,} {n,m}` (lazy or not), character classes and `. \d \w \s` (as "some character"),
 * and the zero-width `^ $ \b \B`. Anything else (inline flags, `\p{..}`, `\x..`, `\Q`, a class
 * starting with `]`, a non-ASCII character, ...) yields no literals: the pattern always runs.
 *
 * How the sets combine (after the "trigram index" analysis of Russ Cox's Code Search, with whole
 * literals instead of trigrams): each part of the pattern has either the exact set of strings it
 * matches (while that set is small) or a set of which every match contains one. A concatenation
 * multiplies exact sets while they stay small (starting again when one would grow too big); each
 * part's own set and each product before it grows are candidates, and the best candidate (the
 * longest shortest literal, up to 6 characters, then the fewest literals) is the sequence's. An alternation unites its branches' sets (no set if one branch has
 * none); an optional part (`?`) adds the empty string to its exact set; a part repeated at least
 * once keeps its set as required (no longer exact); one that may be absent (`*`, `{0,n}`) has none. A set holding the
 * empty string says nothing.
 *
 * Case-insensitive patterns: the literals are searched case-insensitively with JavaScript's
 * Unicode case folding (`iu`), the same simple case folding RE2 applies (so `k` also finds U+212A
 * KELVIN SIGN and `s` U+017F LONG S, as RE2 does); only ASCII characters become literals.
 *
 * @example
 * requiredLiterals('ignore (all )?(previous|prior) instructions')
 * // => ['ignore previous instructions', 'ignore prior instructions', 'ignore all previous instructions', 'ignore all prior instructions']
 * requiredLiterals('\\d{6}') // => undefined (every match is digits: no literal)
 */
export function requiredLiterals(pattern: string): string[] | undefined {
  let node: Info;
  try {
    const p = new Reader(pattern);
    node = p.alternation();
    if (p.i !== pattern.length) return undefined;
  } catch (err) {
    if (err instanceof NotUnderstood) return undefined;
    throw err;
  }
  const set = required(node);
  if (!set || set.has('') || set.size > maxLiterals) return undefined;
  // A literal holding another is found whenever that one is: only the other need be searched.
  const all = [...set];
  return all.filter((l) => !all.some((o) => o !== l && l.includes(o)));
}

/**
 * A search for any of `literals` in a text: a RegExp of their alternation, case-insensitive with
 * Unicode simple case folding when the pattern they came from is.
 */
export function literalSearch(literals: readonly string[], ignoreCase: boolean): RegExp {
  return new RegExp(literals.map((l) => l.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('|'), ignoreCase ? 'iu' : 'u');
}

/** Exact sets larger than this become candidates (the search stays a short alternation). */
const maxExact = 16;
/** A prefilter of more literals than this is not worth it. */
const maxLiterals = 64;

/** What is known of a part of the pattern: the exact strings it matches, and strings one of which each of its matches contains (either may be unknown). */
interface Info {
  exact?: Set<string>;
  any?: Set<string>;
}

class NotUnderstood extends Error {}

const nothing: Info = {};
const empty = (): Info => ({ exact: new Set(['']) });

/** The best set each match holds one of, if any. */
function required(n: Info): Set<string> | undefined {
  return better(n.exact, n.any);
}

/**
 * The more selective of two required sets: the longer shortest literal (up to `enough`
 * characters), then fewer literals (a search for few literals is quicker).
 */
function better(a: Set<string> | undefined, b: Set<string> | undefined): Set<string> | undefined {
  if (!a || a.has('')) return b && !b.has('') ? b : undefined;
  if (!b || b.has('')) return a;
  const la = Math.min(shortest(a), enough);
  const lb = Math.min(shortest(b), enough);
  return la > lb || (la === lb && a.size <= b.size) ? a : b;
}

/** A literal this long is about as rare in prose as a longer one. */
const enough = 6;

function shortest(s: Set<string>): number {
  let m = Infinity;
  for (const x of s) m = Math.min(m, x.length);
  return m;
}

function cross(a: Set<string>, b: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add(x + y);
  return out;
}

function union(a: Set<string>, b: Set<string>): Set<string> {
  return new Set([...a, ...b]);
}

/** A recursive-descent reader of the understood subset; throws NotUnderstood on anything else. */
class Reader {
  i = 0;
  constructor(private readonly s: string) {}

  alternation(): Info {
    let n = this.sequence();
    while (this.s[this.i] === '|') {
      this.i++;
      const m = this.sequence();
      const a = required(n);
      const b = required(m);
      n = {
        exact: n.exact && m.exact && n.exact.size + m.exact.size <= maxExact ? union(n.exact, m.exact) : undefined,
        any: a && b && a.size + b.size <= maxLiterals ? union(a, b) : undefined,
      };
    }
    return n;
  }

  /** A concatenation, up to `|`, `)` or the end. */
  private sequence(): Info {
    // The product of the parts' exact sets so far; `whole` while it covers every part read.
    let exact: Set<string> | undefined = new Set(['']);
    let whole = true;
    // Every part's own set is required too, and so is each product: the best of them all.
    let best: Set<string> | undefined;
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') {
      const part = this.quantified();
      best = better(best, required(part));
      if (exact && part.exact && exact.size * part.exact.size <= maxExact) {
        if (part.exact.size > 1) best = better(best, exact);
        exact = cross(exact, part.exact);
        continue;
      }
      best = better(best, exact);
      exact = part.exact;
      whole = false;
    }
    return whole ? { exact, any: best } : { any: better(best, exact) };
  }

  private quantified(): Info {
    const atom = this.atom();
    const c = this.s[this.i];
    let min = 1;
    let max = 1;
    if (c === '?') [min, max] = [0, 1];
    else if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i, this.i + 24));
      if (!m) throw new NotUnderstood();
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return atom;
    this.i++;
    if (this.s[this.i] === '?') this.i++; // lazy: matches the same strings
    if (min === 1 && max === 1) return atom;
    // Optional: its strings or none. Repeated at least once: each match holds a copy of the part.
    // Anything else (`*`, `{0,3}`, `{0}`) may match nothing at all.
    if (min === 0 && max === 1) return atom.exact ? { exact: union(atom.exact, new Set([''])) } : nothing;
    if (min === 0) return nothing;
    const r = required(atom);
    return r ? { any: r } : nothing;
  }

  private atom(): Info {
    const s = this.s;
    const c = s[this.i];
    if (c === '(') {
      this.i++;
      if (s[this.i] === '?') {
        const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(s.slice(this.i));
        if (s[this.i + 1] === ':') this.i += 2;
        else if (named) this.i += named[0].length;
        else throw new NotUnderstood();
      }
      const inner = this.alternation();
      if (s[this.i] !== ')') throw new NotUnderstood();
      this.i++;
      return inner;
    }
    if (c === '[') {
      // A class is some character: only where it ends matters. Both syntaxes agree on a class
      // that does not start with `]` or `^]` and holds no `[` (RE2's [:alpha:]).
      let j = this.i + 1;
      if (s[j] === '^') j++;
      if (s[j] === ']') throw new NotUnderstood();
      for (; j < s.length && s[j] !== ']'; j++) {
        if (s[j] === '[') throw new NotUnderstood();
        if (s[j] === '\\') j++;
      }
      if (j >= s.length) throw new NotUnderstood();
      this.i = j + 1;
      return nothing;
    }
    if (c === '.') {
      this.i++;
      return nothing;
    }
    if (c === '^' || c === '$') {
      this.i++;
      return empty();
    }
    if (c === '\\') {
      const e = s[this.i + 1];
      this.i += 2;
      if (e === undefined) throw new NotUnderstood();
      if ('dDwWsS'.includes(e)) return nothing;
      if (e === 'b' || e === 'B') return empty();
      if (e === 'n' || e === 'r' || e === 't') return { exact: new Set([e === 'n' ? '\n' : e === 'r' ? '\r' : '\t']) };
      // Escaped ASCII punctuation is the character itself in both syntaxes.
      if (/^[!-\/:-@[-`{-~]$/.test(e)) return { exact: new Set([e]) };
      throw new NotUnderstood();
    }
    // A quantifier with nothing to repeat, a stray `]` or `}`: left to the engine.
    if ('*+?{}]'.includes(c!)) throw new NotUnderstood();
    this.i++;
    // Printable ASCII only: other characters are "some character".
    const code = c!.charCodeAt(0);
    return code >= 0x20 && code < 0x7f ? { exact: new Set([c!]) } : nothing;
  }
}
