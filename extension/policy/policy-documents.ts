import * as vscode from 'vscode';
import type { Diagnostic } from '../../gateway/core/diagnostics';
import { classifyYaml, type GatehouseYamlKind } from './policy-analysis';

/** Every YAML document; providers check the kind themselves (untitled policies have no telling name). */
export const YAML_SELECTOR: vscode.DocumentSelector = [{ language: 'yaml' }];

/** The Gatehouse kind of an open document, or undefined for any other file. */
export function gatehouseKind(doc: vscode.TextDocument): GatehouseYamlKind | undefined {
  if (doc.languageId !== 'yaml') return undefined;
  return classifyYaml(doc.uri.path, () => doc.getText());
}

/** A core diagnostic's 1-based, end-exclusive span as a VS Code range. */
export function toRange(d: Pick<Diagnostic, 'line' | 'column' | 'endLine' | 'endColumn'>): vscode.Range {
  const start = new vscode.Position(Math.max(0, d.line - 1), Math.max(0, d.column - 1));
  const end = new vscode.Position(Math.max(0, d.endLine - 1), Math.max(0, d.endColumn - 1));
  return new vscode.Range(start, end.isBefore(start) ? start : end);
}

export const DIAGNOSTIC_SOURCE = 'gatehouse';
