import * as vscode from 'vscode';
import { runPolicyTests, type PolicyTestResult } from '../../gateway/core/policy';
import { Disposable } from '../common/lifecycle';
import { analyzePolicy } from './policy-analysis';
import { DIAGNOSTIC_SOURCE, gatehouseKind, toRange } from './policy-documents';

export interface PolicyTestSummary {
  uri: string;
  passed: number;
  failed: number;
  /** Error diagnostics that kept the tests from running. */
  errors: number;
  results: PolicyTestResult[];
}

/**
 * Runs a policy file's `tests:` with the core test runner and shows each failure as a problem on
 * the test's `name`, with the unmet expectations and the explain trace (message and related
 * locations of the rules tried). A run's problems go away when the file is edited or re-run.
 */
export class PolicyTestRunner extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection(`${DIAGNOSTIC_SOURCE}-tests`));
  private readonly lastRun = new Map<string, Map<number, boolean>>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when results change (CodeLens titles show the last outcome). */
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    this.register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (!e.contentChanges.length || !this.lastRun.has(e.document.uri.toString())) return;
      this.collection.delete(e.document.uri);
      this.lastRun.delete(e.document.uri.toString());
      this.changed.fire();
    }));
    this.register(vscode.workspace.onDidCloseTextDocument((d) => {
      this.collection.delete(d.uri);
      this.lastRun.delete(d.uri.toString());
    }));
  }

  /** Outcome of test `index` in the last run of `uri`, if it ran. */
  outcome(uri: vscode.Uri, index: number): boolean | undefined {
    return this.lastRun.get(uri.toString())?.get(index);
  }

  /** Runs every test of `doc`, or only test `index`; reports `N passed, N failed`. */
  run(doc: vscode.TextDocument, index?: number): PolicyTestSummary {
    const analysis = analyzePolicy(doc.getText(), doc.uri.fsPath || doc.uri.path);
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
    if (!analysis.policy) {
      void vscode.window.showErrorMessage(`Policy tests not run: ${errors} error(s) in ${basename(doc)}. See the Problems view.`);
      return { uri: doc.uri.toString(), passed: 0, failed: 0, errors, results: [] };
    }
    const all = runPolicyTests(analysis.policy).map((r, i) => ({ r, i }));
    const chosen = index === undefined ? all : all.filter((x) => x.i === index);
    const outcomes = index === undefined ? new Map<number, boolean>() : (this.lastRun.get(doc.uri.toString()) ?? new Map<number, boolean>());
    const problems = index === undefined ? [] : [...(this.collection.get(doc.uri) ?? [])].filter((p) => p.code !== `test-${index}`);
    const rules = new Map(analysis.policy.rules.map((r) => [r.id, r.origin.pointer]));
    for (const e of [...analysis.policy.denyContent, ...analysis.policy.denyEndpoints]) rules.set(e.id, e.origin.pointer);
    for (const { r, i } of chosen) {
      outcomes.set(i, r.passed);
      if (r.passed) continue;
      const at = analysis.doc.locate(`/tests/${i}/name`);
      const trace = r.explain.map((s) => `  ${s.matched ? '✓' : '·'} ${s.rule}: ${s.reason}`).join('\n');
      const problem = new vscode.Diagnostic(toRange(at), `Test "${r.name}" failed: ${r.failures.join('; ')}\nexplain:\n${trace}`, vscode.DiagnosticSeverity.Error);
      problem.source = `${DIAGNOSTIC_SOURCE} test`;
      problem.code = `test-${i}`;
      problem.relatedInformation = r.explain.flatMap((s) => {
        const pointer = rules.get(s.rule);
        if (!pointer) return [];
        const loc = new vscode.Location(doc.uri, toRange(analysis.doc.locate(`${pointer}/id`)));
        return [new vscode.DiagnosticRelatedInformation(loc, `${s.matched ? 'decided' : 'skipped'}: ${s.rule}: ${s.reason}`)];
      });
      problems.push(problem);
    }
    this.collection.set(doc.uri, problems);
    this.lastRun.set(doc.uri.toString(), outcomes);
    this.changed.fire();
    const results = chosen.map((x) => x.r);
    const passed = results.filter((r) => r.passed).length;
    const failed = results.length - passed;
    const summary = `${basename(doc)}: ${passed} passed, ${failed} failed`;
    if (failed) void vscode.window.showWarningMessage(summary);
    else void vscode.window.showInformationMessage(results.length ? summary : `${basename(doc)} has no tests: add a tests: block.`);
    return { uri: doc.uri.toString(), passed, failed, errors, results };
  }
}

const basename = (doc: vscode.TextDocument) => doc.uri.path.split('/').pop() ?? doc.uri.toString();

/** "Run tests" on a policy's `tests:` key and "Run test" on each test case. */
export class PolicyTestCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly runner: PolicyTestRunner) {
    this.onDidChangeCodeLenses = runner.onDidChange;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (gatehouseKind(doc) !== 'policy') return [];
    const text = doc.getText();
    const testsKey = /^tests:/m.exec(text);
    if (!testsKey) return [];
    const line = doc.positionAt(testsKey.index).line;
    const lenses = [new vscode.CodeLens(doc.lineAt(line).range, { title: '$(run-all) Run tests', command: 'gatehouse.runPolicyTests', arguments: [doc.uri] })];
    // Test items: `- ` lines at the first item indentation under tests:.
    let itemIndent = -1;
    let index = 0;
    for (let i = line + 1; i < doc.lineCount; i++) {
      const t = doc.lineAt(i).text;
      const own = t.search(/\S/);
      if (own < 0 || t[own] === '#') continue;
      if (own === 0 && t[0] !== '-') break;
      if (t[own] !== '-' || (itemIndent >= 0 && own !== itemIndent)) continue;
      itemIndent = own;
      const outcome = this.runner.outcome(doc.uri, index);
      const title = outcome === undefined ? '$(play) Run test' : outcome ? '$(pass) Run test' : '$(error) Run test';
      lenses.push(new vscode.CodeLens(doc.lineAt(i).range, { title, command: 'gatehouse.runPolicyTests', arguments: [doc.uri, index] }));
      index++;
    }
    return lenses;
  }
}
