import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/** Where the cursor is in a (possibly half-typed) YAML document, for completion. */
export interface CompletionContext {
  /** Path of the mapping whose key is being typed, or of the value being typed. */
  path: (string | number)[];
  position: 'key' | 'value';
  /** What is typed so far (the word the completion replaces). */
  prefix: string;
  /** Offset where `prefix` starts. */
  prefixStart: number;
  /** True when the cursor follows a `- ` on its line (a new sequence item). */
  inItem: boolean;
}

type Frame = { col: number; kind: 'key'; key: string } | { col: number; kind: 'item'; index: number };

const KEY = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s#'"{[\]},:-][^#:]*?|-[^\s#:][^#:]*?)\s*:(?:\s+|$)/;

/**
 * The YAML path at `offset`, read from indentation (the document is usually invalid while typing,
 * so no parser is used): block mappings and block sequences, including `- key:` items and
 * sequences not indented under their key. Flow collections count only on the cursor's own line.
 *
 * @example
 * completionContext('spec:\n  rules:\n    - id: a\n      act', 29)
 * // => { path: ['spec', 'rules', 0], position: 'key', prefix: 'act', prefixStart: 26, inItem: false }
 */
export function completionContext(text: string, offset: number): CompletionContext {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const frames: Frame[] = [];
  let blockScalarCol = -1;
  for (const line of text.slice(0, lineStart).split('\n')) {
    const indent = line.search(/\S/);
    if (indent < 0 || line[indent] === '#') continue;
    if (blockScalarCol >= 0) {
      if (indent > blockScalarCol) continue;
      blockScalarCol = -1;
    }
    if (line.startsWith('---') || line.startsWith('...')) {
      frames.length = 0;
      continue;
    }
    const key = tokenize(line, indent, frames);
    if (key && /^[|>][-+0-9]*\s*(#.*)?$/.test(key.rest.trim())) blockScalarCol = key.col;
  }

  const before = text.slice(lineStart, offset);
  const indent = before.search(/\S/);
  let col = indent < 0 ? before.length : indent;
  let inItem = false;
  while (before.startsWith('- ', col) || (before[col] === '-' && col + 1 === before.length)) {
    pushItem(frames, col);
    inItem = true;
    col = skipSpaces(before, col + 1);
  }
  const rest = before.slice(col);
  const key = KEY.exec(rest);
  if (key) {
    pushKey(frames, col, unquote(key[1]!));
    const value = rest.slice(key[0].length);
    const word = /[^\s[\],{}]*$/.exec(value)![0];
    return { path: pathOf(frames), position: 'value', prefix: word, prefixStart: offset - word.length, inItem };
  }
  popTo(frames, col);
  return { path: pathOf(frames), position: 'key', prefix: rest, prefixStart: lineStart + col, inItem };
}

/** Processes one earlier line: its `- ` items and its key, if any. */
function tokenize(line: string, indent: number, frames: Frame[]): { col: number; rest: string } | undefined {
  let col = indent;
  while (line.startsWith('- ', col) || (line[col] === '-' && col + 1 === line.length)) {
    pushItem(frames, col);
    col = skipSpaces(line, col + 1);
  }
  const rest = line.slice(col);
  const key = KEY.exec(rest);
  if (!key) return undefined;
  pushKey(frames, col, unquote(key[1]!));
  return { col, rest: rest.slice(key[0].length) };
}

function pushItem(frames: Frame[], col: number): void {
  while (frames.length && frames[frames.length - 1]!.col > col) frames.pop();
  const top = frames[frames.length - 1];
  if (top?.kind === 'item' && top.col === col) top.index++;
  else frames.push({ col, kind: 'item', index: 0 });
}

function pushKey(frames: Frame[], col: number, key: string): void {
  popTo(frames, col);
  frames.push({ col, kind: 'key', key });
}

/** A key at `col` closes every frame at that column or deeper. */
function popTo(frames: Frame[], col: number): void {
  while (frames.length && frames[frames.length - 1]!.col >= col) frames.pop();
}

function pathOf(frames: Frame[]): (string | number)[] {
  return frames.map((f) => (f.kind === 'key' ? f.key : f.index));
}

function skipSpaces(s: string, i: number): number {
  while (s[i] === ' ') i++;
  return i;
}

function unquote(key: string): string {
  const k = key.trim();
  if (k.startsWith('"')) {
    try {
      return JSON.parse(k) as string;
    } catch {
      return k.slice(1, -1);
    }
  }
  return k.startsWith("'") ? k.slice(1, -1).replace(/''/g, "'") : k;
}

/** The node under the cursor in a parsed document, for hover. */
export interface NodeAtOffset {
  /** Path of the value; for a key, the path of the value it names. */
  path: (string | number)[];
  onKey: boolean;
  start: number;
  end: number;
}

/**
 * The key or scalar at `offset` (flow collections included), with its path and source range.
 *
 * @example
 * nodeAt('spec:\n  defaultAction: deny\n', 10) // => { path: ['spec', 'defaultAction'], onKey: true, start: 8, end: 21 }
 */
export function nodeAt(text: string, offset: number): NodeAtOffset | undefined {
  const doc = parseDocument(text, { keepSourceTokens: false, strict: false, uniqueKeys: false });
  const within = (n: Node | null | undefined) => !!n?.range && n.range[0] <= offset && offset <= n.range[1];
  const walk = (node: Node | null | undefined, path: (string | number)[]): NodeAtOffset | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const name = isScalar(key) ? String(key.value) : undefined;
        if (name === undefined) continue;
        if (within(key)) return { path: [...path, name], onKey: true, start: key!.range![0], end: key!.range![1] };
        if (within(pair.value as Node)) return walk(pair.value as Node, [...path, name]);
      }
      return undefined;
    }
    if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) if (within(node.items[i] as Node)) return walk(node.items[i] as Node, [...path, i]);
      return undefined;
    }
    if (isScalar(node) && node.range) return { path, onKey: false, start: node.range[0], end: node.range[1] };
    return undefined;
  };
  return walk(doc.contents as Node | null, []);
}
