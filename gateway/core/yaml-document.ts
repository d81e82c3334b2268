import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics';

/**
 * A YAML text parsed with its source ranges kept, so any JSON pointer can be turned back into
 * the line and column of the node that holds it. Pure: no file I/O (callers pass the text).
 *
 * @example
 * const doc = parseYamlDocument('server:\n  port: nope\n', 'gatehouse.yaml');
 * doc.locate('/server/port') // => { line: 2, column: 9, endLine: 2, endColumn: 13 }
 */
export interface YamlDocument {
  file: string;
  /** The plain JS value (undefined when the text did not parse). */
  value: unknown;
  /** Syntax errors, already pinned. */
  syntaxErrors: Diagnostic[];
  /** Range of the node at a JSON pointer; falls back to the nearest existing ancestor. */
  locate(pointer: string, onKey?: boolean): { line: number; column: number; endLine: number; endColumn: number };
  /** Builds a diagnostic at the node for a JSON pointer (at its key when `onKey`, e.g. for an unknown property). */
  diagnostic(pointer: string, message: string, severity?: Diagnostic['severity'], code?: string, onKey?: boolean): Diagnostic;
}

export function parseYamlDocument(text: string, file: string): YamlDocument {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };

  const locate = (pointer: string, onKey = false) => {
    const range = nodeAt(doc, pointerToPath(pointer), onKey)?.range ?? doc.contents?.range ?? [0, 0, 0];
    const start = pos(range[0]);
    const end = pos(range[1]);
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  };

  const diagnostic = (pointer: string, message: string, severity: Diagnostic['severity'] = 'error', code?: string, onKey = false): Diagnostic => ({
    file, ...locate(pointer, onKey), path: pointer, message, severity, ...(code ? { code } : {}),
  });

  const syntaxErrors: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => {
    const start = pos(e.pos[0]);
    const end = pos(e.pos[1]);
    return {
      file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
      path: '', message: e.message.split('\n')[0], severity: doc.errors.includes(e as never) ? 'error' : 'warning', code: `ERR_YAML_${e.code}`,
    } satisfies Diagnostic;
  });

  const value = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 100 });
  return { file, value, syntaxErrors, locate, diagnostic };
}

/** '/a/0/b~1c' -> ['a', 0, 'b/c'] */
export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

/** Deepest node along the path that exists; for a missing key, the parent map. */
function nodeAt(doc: Document, path: (string | number)[], onKey: boolean): Node | undefined {
  let node = doc.contents as Node | null;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key || String((p.key as { value?: unknown } | null)?.value) === String(key));
      if (!pair) return node;
      if (onKey && i === path.length - 1) return pair.key as Node;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) return node;
      node = item;
    } else {
      return node ?? undefined;
    }
  }
  return node ?? undefined;
}
