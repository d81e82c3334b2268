import { RegExpParser, visitRegExpAST, type AST } from '@eslint-community/regexpp';

/**
 * The character between the strings of a batched scan (`Scanner.scanEach`): the strings of a
 * JSON body are scanned as one text joined by it, which spares the fixed cost of a scan per
 * string. A NUL inside a string is a boundary too, alone or batched alike.
 */
export const segmentBoundary = '\u0000';

/**
 * Rewrites a regex so that the boundary character acts exactly like the edge of the text: no
 * character class, escape, dot or literal can match it, and `^` / `$` also match next to it.
 * Every regex the scanner runs (built-in or custom, alternatives, start and window markers) is
 * compiled through this, so no detector can match, look or anchor across a boundary, whatever
 * its pattern: a match that would cross it stops there, as it would at the end of that string.
 *
 * Lookarounds need no change: what they test is made of the same atoms, and a failed lookbehind
 * at a boundary fails as it would at the start of the string; `\b` treats NUL as a non-word
 * character, as it does the outside of the string.
 *
 * @example
 * boundedRegex(/[^\s"]{8,}/g).source      // => '(?:(?!\0)[^\s"]){8,}'
 * boundedRegex(/^\d+$/).source            // => '(?<![^\0])\d+(?![^\0])'
 * boundedRegex(/\d{3}-\d{4}/g).source     // => '\d{3}-\d{4}' (nothing in it can match NUL)
 */
export function boundedRegex(re: RegExp): RegExp {
  const source = boundedSource(re.source, re.flags);
  return source === re.source ? new RegExp(re.source, re.flags) : new RegExp(source, re.flags);
}

/** Whether a sequence atom can match the boundary character (classes and properties: asked of the regex engine). */
function matchesBoundary(node: AST.Character | AST.CharacterSet | AST.CharacterClass | AST.ExpressionCharacterClass, flags: string): boolean {
  if (node.type === 'Character') return node.value === 0;
  if (node.type === 'CharacterSet' && node.kind === 'any') return true;
  if (node.type === 'CharacterSet' && node.kind !== 'property') return node.negate;
  return new RegExp(node.raw, flags).test(segmentBoundary);
}

/** `boundedRegex` on a source and its flags. */
export function boundedSource(source: string, flags: string): string {
  const unicode = flags.includes('u');
  const unicodeSets = flags.includes('v');
  const pattern = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(source, 0, source.length, { unicode, unicodeSets });
  const atomFlags = flags.replace(/[gyd]/g, '');
  const multiline = flags.includes('m');
  const edits: { start: number; end: number; text: string }[] = [];
  const atom = (node: AST.Character | AST.CharacterSet | AST.CharacterClass | AST.ExpressionCharacterClass) => {
    // Only atoms of a sequence: what sits inside a class is judged with its class.
    if (node.parent.type !== 'Alternative' && node.parent.type !== 'Quantifier') return;
    if (matchesBoundary(node, atomFlags)) edits.push({ start: node.start, end: node.end, text: `(?:(?!\\0)${node.raw})` });
  };
  visitRegExpAST(pattern, {
    onCharacterEnter: atom,
    onCharacterSetEnter: atom,
    onCharacterClassEnter: atom,
    onExpressionCharacterClassEnter: atom,
    onAssertionEnter(node) {
      const lineEnds = multiline ? String.raw`\n\r\u2028\u2029` : '';
      if (node.kind === 'start') edits.push({ start: node.start, end: node.end, text: `(?<![^\\0${lineEnds}])` });
      else if (node.kind === 'end') edits.push({ start: node.start, end: node.end, text: `(?![^\\0${lineEnds}])` });
    },
  });
  if (edits.length === 0) return source;
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + source.slice(at);
}
