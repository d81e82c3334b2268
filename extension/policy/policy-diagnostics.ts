import * as vscode from 'vscode';
import type { Diagnostic } from '../../gateway/core/diagnostics';
import { Disposable } from '../common/lifecycle';
import { analyzeConfig, analyzePolicy } from './policy-analysis';
import { DIAGNOSTIC_SOURCE, gatehouseKind, toRange } from './policy-documents';

/** Time after the last keystroke before a document is validated again. */
const DEBOUNCE_MS = 250;

/**
 * Live diagnostics for policy and gateway config files: the same checks as `gatehouse policy
 * validate` and the gateway's config loader, each on its YAML node. Nothing is parsed until a
 * matching document is open; edits are validated debounced, closing a file clears its problems.
 */
export class PolicyDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE));
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The core diagnostics behind each document's problems, for quick fixes. */
  private readonly latest = new Map<string, Diagnostic[]>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** Fires after a document's diagnostics were recomputed. */
  readonly onDidUpdate = this.changed.event;

  constructor() {
    super();
    this.register(vscode.workspace.onDidOpenTextDocument((d) => this.validate(d)));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && this.schedule(e.document)));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)));
    this.register({ dispose: () => this.timers.forEach((t) => clearTimeout(t)) });
    for (const d of vscode.workspace.textDocuments) this.validate(d);
  }

  /** Core diagnostics of the last run for `uri` (empty when none or not a Gatehouse file). */
  coreDiagnostics(uri: vscode.Uri): readonly Diagnostic[] {
    return this.latest.get(uri.toString()) ?? [];
  }

  /** Validates now; returns the problems set (undefined when the document is not a Gatehouse file). */
  validate(doc: vscode.TextDocument): vscode.Diagnostic[] | undefined {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const kind = gatehouseKind(doc);
    if (!kind) {
      if (this.latest.has(key)) this.forget(doc.uri);
      return undefined;
    }
    const text = doc.getText();
    const core = kind === 'policy' ? analyzePolicy(text, doc.uri.fsPath || doc.uri.path).diagnostics : analyzeConfig(text, doc.uri.fsPath || doc.uri.path);
    this.latest.set(key, core);
    const problems = core.map((d) => toVsDiagnostic(d));
    this.collection.set(doc.uri, problems);
    this.changed.fire(doc.uri);
    return problems;
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => this.validate(doc), DEBOUNCE_MS));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.latest.delete(key);
    this.collection.delete(uri);
  }
}

export function toVsDiagnostic(d: Diagnostic): vscode.Diagnostic {
  const message = d.path && !d.code?.startsWith('ERR_YAML') ? `${d.path} ${d.message}` : d.message;
  const out = new vscode.Diagnostic(toRange(d), message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  out.source = DIAGNOSTIC_SOURCE;
  if (d.code) out.code = d.code;
  return out;
}
