import type { Diagnostic } from '../../gateway/core/diagnostics';
import type { SchemaNavigator } from '../../gateway/core/schema-navigator';
import { pointerToPath } from '../../gateway/core/yaml-document';

/** A text edit in the Diagnostic's coordinates (1-based lines and columns; end exclusive). */
export interface FixEdit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  newText: string;
}

export interface QuickFix {
  title: string;
  edit: FixEdit;
  /** The one obvious fix: VS Code offers it first and applies it with "Auto Fix". */
  preferred: boolean;
}

export interface FixContext {
  text: string;
  /** The parsed document (for the ids already taken). */
  value: unknown;
  navigator: SchemaNavigator;
}

/**
 * The obvious fixes for one diagnostic: an unknown property or enum value becomes the closest
 * known one (edit distance), a duplicate rule id or masking name gets the first free `-N` suffix,
 * a missing apiVersion or kind is inserted at the top. Pure: the editor turns these into edits.
 *
 * @example
 * quickFixes({ code: 'ERR_SCHEMA_ADDITIONALPROPERTIES', message: 'unknown property "acton"', path: '/spec/rules/0/acton', line: 9, column: 7, endLine: 9, endColumn: 12, … }, ctx)
 * // => [{ title: 'Change to "action"', edit: { line: 9, column: 7, endLine: 9, endColumn: 12, newText: 'action' }, preferred: true }]
 */
export function quickFixes(d: Diagnostic, ctx: FixContext): QuickFix[] {
  const replace = (newText: string, title: string): QuickFix => ({
    title, preferred: true, edit: { line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn, newText },
  });
  const current = textAt(ctx.text, d);
  switch (d.code) {
    case 'ERR_SCHEMA_ADDITIONALPROPERTIES': {
      const name = quoted(d.message)[0];
      if (name === undefined) return [];
      const path = pointerToPath(d.path).slice(0, -1);
      return closest(name, ctx.navigator.propertiesAt(path).map((p) => p.name)).map((n) => replace(n, `Change to "${n}"`));
    }
    case 'ERR_SCHEMA_ENUM': {
      const allowed = quoted(d.message);
      return closest(unquote(current), allowed).map((v) => replace(v, `Change to "${v}"`));
    }
    case 'ERR_POLICY_UNKNOWN_DETECTOR': {
      const name = quoted(d.message)[0];
      const known = /\(known: ([^)]*)\)/.exec(d.message)?.[1]?.split(/,\s*/) ?? [];
      return name === undefined ? [] : closest(name, known).map((v) => replace(v, `Change to "${v}"`));
    }
    case 'ERR_POLICY_DUPLICATE_RULE_ID':
    case 'ERR_POLICY_DUPLICATE_MASKING_NAME': {
      const name = quoted(d.message)[0];
      if (name === undefined) return [];
      const taken = takenNames(ctx.value);
      let n = 2;
      while (taken.has(`${name}-${n}`)) n++;
      return [replace(`${name}-${n}`, `Rename to "${name}-${n}"`)];
    }
    case 'ERR_SCHEMA_REQUIRED': {
      const name = quoted(d.message)[0];
      if (name === undefined || d.path !== '') return [];
      const values = ctx.navigator.valuesAt([name]);
      if (values.length !== 1) return [];
      const line = firstContentLine(ctx.text);
      const newText = `${name}: ${String(values[0]!.value)}\n`;
      return [{ title: `Insert "${newText.trim()}"`, preferred: true, edit: { line, column: 1, endLine: line, endColumn: 1, newText } }];
    }
    default:
      return [];
  }
}

/**
 * Candidates within a small edit distance of `word` (at most 2, or a third of its length), closest
 * first; ties are all returned (up to 3).
 *
 * @example
 * closest('acton', ['action', 'approval', 'limits']) // => ['action']
 */
export function closest(word: string, candidates: readonly string[]): string[] {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const scored = candidates
    .filter((c) => c !== word)
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d);
  if (!scored.length) return [];
  return scored.filter((x) => x.d === scored[0]!.d).slice(0, 3).map((x) => x.c);
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** Every "quoted" string of a message, in order. */
function quoted(message: string): string[] {
  return [...message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
}

function unquote(s: string): string {
  const t = s.trim();
  return /^(["']).*\1$/.test(t) ? t.slice(1, -1) : t;
}

function textAt(text: string, d: Pick<Diagnostic, 'line' | 'column' | 'endLine' | 'endColumn'>): string {
  const lines = text.split('\n');
  if (d.line === d.endLine) return (lines[d.line - 1] ?? '').slice(d.column - 1, d.endColumn - 1);
  return [(lines[d.line - 1] ?? '').slice(d.column - 1), ...lines.slice(d.line, d.endLine - 1), (lines[d.endLine - 1] ?? '').slice(0, d.endColumn - 1)].join('\n');
}

/** Rule ids, deny-list ids and masking names: they must stay unique after a rename. */
function takenNames(value: unknown): Set<string> {
  const spec = (value as { spec?: Record<string, unknown> } | null)?.spec ?? {};
  const names = new Set<string>();
  for (const list of ['rules', 'denyContent', 'denyEndpoints'] as const) {
    for (const e of asArray(spec[list])) if (typeof (e as { id?: unknown })?.id === 'string') names.add((e as { id: string }).id);
  }
  for (const m of asArray(spec.masking)) if (typeof (m as { name?: unknown })?.name === 'string') names.add((m as { name: string }).name);
  return names;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** 1-based line of the first line that is not blank, a comment or a document marker. */
function firstContentLine(text: string): number {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#') && !l.startsWith('---') && !l.startsWith('%'));
  return i < 0 ? lines.length : i + 1;
}
