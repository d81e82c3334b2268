import * as vscode from 'vscode';
import type { JsonSchema, SchemaNavigator } from '../../gateway/core/schema-navigator';
import { parseYamlDocument } from '../../gateway/core/yaml-document';
import { schemaNavigator } from './policy-analysis';
import { DIAGNOSTIC_SOURCE, gatehouseKind, toRange } from './policy-documents';
import type { PolicyDiagnostics } from './policy-diagnostics';
import { quickFixes } from './quick-fixes';
import { completionContext, nodeAt } from './yaml-path';

/** Property names (with their descriptions) and enum values from the schema at the cursor's YAML path. */
export class SchemaCompletionProvider implements vscode.CompletionItemProvider {
  provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] | undefined {
    const kind = gatehouseKind(doc);
    if (!kind) return undefined;
    const nav = schemaNavigator(kind);
    const ctx = completionContext(doc.getText(), doc.offsetAt(position));
    const range = new vscode.Range(doc.positionAt(ctx.prefixStart), position);
    const items: vscode.CompletionItem[] = [];
    if (ctx.position === 'key') {
      const present = siblingKeys(doc, position);
      for (const p of nav.propertiesAt(ctx.path)) {
        if (present.has(p.name)) continue;
        const item = new vscode.CompletionItem({ label: p.name, description: p.required ? 'required' : undefined }, vscode.CompletionItemKind.Property);
        item.documentation = p.description ? new vscode.MarkdownString(p.description) : undefined;
        item.insertText = keySnippet(p.name, p.schemas);
        item.range = range;
        item.sortText = `${p.required ? 0 : 1}-${p.name}`;
        items.push(item);
      }
      if (ctx.inItem) items.push(...valueItems(nav, ctx.path, range));
    } else {
      items.push(...valueItems(nav, ctx.path, range));
    }
    return items;
  }
}

function valueItems(nav: SchemaNavigator, path: (string | number)[], range: vscode.Range): vscode.CompletionItem[] {
  return nav.valuesAt(path).map((v, i) => {
    const item = new vscode.CompletionItem(String(v.value), vscode.CompletionItemKind.EnumMember);
    item.documentation = v.description ? new vscode.MarkdownString(v.description) : undefined;
    item.range = range;
    item.sortText = String(i).padStart(3, '0');
    return item;
  });
}

/** `name: ` for scalars, `name:` plus an indented line for objects, `- ` for lists, a choice for enums. */
function keySnippet(name: string, schemas: JsonSchema[]): vscode.SnippetString {
  const enumValues = schemas.flatMap((s) => (Array.isArray(s.enum) ? s.enum : [])).filter((v) => typeof v === 'string') as string[];
  if (schemas.length && schemas.every((s) => s.type === 'array')) return new vscode.SnippetString(`${name}:\n\t- $0`);
  if (schemas.length && schemas.every((s) => s.type === 'object' || s.properties)) return new vscode.SnippetString(`${name}:\n\t$0`);
  if (enumValues.length) return new vscode.SnippetString(`${name}: \${1|${enumValues.map((v) => v.replace(/[,|\\]/g, '\\$&')).join(',')}|}`);
  return new vscode.SnippetString(`${name}: $0`);
}

/** Keys already written in the mapping the cursor is in: same column, same block (an item's first line counts). */
function siblingKeys(doc: vscode.TextDocument, position: vscode.Position): Set<string> {
  const keys = new Set<string>();
  const current = doc.lineAt(position.line).text;
  if (/^\s*- /.test(current)) return keys; // a new item: its mapping starts here
  const col = current.slice(0, position.character).search(/\S|$/);
  const keyAt = (text: string, at: number) => /^([^\s:#'"-][^\s:#]*)\s*:(\s|$)/.exec(text.slice(at))?.[1];
  const scan = (step: number) => {
    for (let i = position.line + step; i >= 0 && i < doc.lineCount; i += step) {
      const text = doc.lineAt(i).text;
      const own = text.search(/\S/);
      if (own < 0 || text[own] === '#') continue;
      const lead = /^(\s*(?:- )*)/.exec(text)![1]!.length;
      if (own === col) {
        const k = keyAt(text, own);
        if (k) keys.add(k);
        continue;
      }
      if (own > col) continue;
      if (lead === col && step < 0) {
        const k = keyAt(text, lead);
        if (k) keys.add(k);
      }
      return;
    }
  };
  scan(-1);
  scan(1);
  return keys;
}

/** The schema's description of the key or value under the mouse, with its allowed values. */
export class SchemaHoverProvider implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const kind = gatehouseKind(doc);
    if (!kind) return undefined;
    const node = nodeAt(doc.getText(), doc.offsetAt(position));
    if (!node || !node.path.length) return undefined;
    const nav = schemaNavigator(kind);
    const description = nav.describe(node.path);
    if (!description) return undefined;
    const name = node.path.filter((p) => typeof p === 'string').pop();
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${name}**\n\n`);
    md.appendMarkdown(description);
    const values = nav.valuesAt(node.path);
    if (values.length && values.length <= 20) md.appendMarkdown(`\n\nAllowed: ${values.map((v) => `\`${String(v.value)}\``).join(', ')}`);
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(node.start), doc.positionAt(node.end)));
  }
}

/** Quick fixes for the problems PolicyDiagnostics reported (see quick-fixes.ts for which). */
export class PolicyCodeActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: PolicyDiagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const kind = gatehouseKind(doc);
    if (!kind) return [];
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (!ours.length) return [];
    const text = doc.getText();
    const ctx = { text, value: parseYamlDocument(text, doc.uri.path).value, navigator: schemaNavigator(kind) };
    const actions: vscode.CodeAction[] = [];
    for (const vsd of ours) {
      const core = this.diagnostics.coreDiagnostics(doc.uri).find((c) => c.code === vsd.code && toRange(c).isEqual(vsd.range));
      if (!core) continue;
      for (const fix of quickFixes(core, ctx)) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [vsd];
        action.isPreferred = fix.preferred;
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, toRange(fix.edit), fix.edit.newText);
        actions.push(action);
      }
    }
    return actions;
  }
}
