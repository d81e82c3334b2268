import { RegExpParser, type AST } from '@eslint-community/regexpp';

/**
 * The length, in UTF-16 code units, that every match of `re` has, when the pattern fixes it;
 * otherwise undefined. A search that only needs where each match starts can then use `test`
 * (start = lastIndex − length) instead of `exec`, which builds a match array per hit.
 *
 * Read from the pattern's syntax tree, so it holds by construction: a character, a class or an
 * escape like `\d` is one code unit (only without the `u`/`v` flags: with them one may match a
 * surrogate pair, two units), an assertion (`\b`, `^`, `$`, lookarounds) none, a sequence the sum
 * of its parts, a group or alternation its branches' length if all are equal, a quantifier
 * `{n}` (or `{n,n}`) n times its atom. Anything else (`?`, `*`, `+`, `{n,m}` with m > n,
 * back-references, branches of different lengths) gives undefined.
 *
 * @example
 * fixedMatchLength(/\b\d[\d ().+-]{6}/g) // => 7
 * fixedMatchLength(/@/g)                 // => 1
 * fixedMatchLength(/a|bc/)               // => undefined
 */
export function fixedMatchLength(re: RegExp): number | undefined {
  if (re.unicode || re.flags.includes('v')) return undefined;
  const pattern = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(re.source, 0, re.source.length, { unicode: false, unicodeSets: false });
  const n = branches(pattern.alternatives);
  return n === null ? undefined : n;
}

type Node = AST.Element | AST.Alternative;

/** The common length of every branch, or null. */
function branches(alts: readonly AST.Alternative[]): number | null {
  let len: number | null = null;
  for (const alt of alts) {
    const n = lengthOf(alt);
    if (n === null || (len !== null && n !== len)) return null;
    len = n;
  }
  return len;
}

function lengthOf(node: Node): number | null {
  switch (node.type) {
    case 'Alternative': {
      let sum = 0;
      for (const e of node.elements) {
        const n = lengthOf(e);
        if (n === null) return null;
        sum += n;
      }
      return sum;
    }
    case 'Character':
      // Without the u flag a pattern's astral character is two code-unit Characters; this guards it anyway.
      return node.value <= 0xffff ? 1 : null;
    case 'CharacterSet':
      return node.kind === 'property' ? null : 1;
    case 'CharacterClass':
      return 1;
    case 'Assertion':
      return 0;
    case 'Group':
    case 'CapturingGroup':
      return branches(node.alternatives);
    case 'Quantifier': {
      if (node.min !== node.max) return null;
      const n = lengthOf(node.element);
      return n === null ? null : n * node.min;
    }
    default:
      return null;
  }
}
