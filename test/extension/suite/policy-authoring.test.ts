import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateGatehouse, EXTENSION_ID, gatehouseProblems, openEditor, rangeOf, replaceText, waitFor, writeWorkspaceFile } from './helpers';

const POLICY = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata:
  name: authoring
spec:
  defaultAction: deny
  rules:
    - id: ci-chat
      match:
        principal:
          groups: [ci]
      action: allow
    - id: agents
      match:
        principal:
          groups: [agents]
      action: deny
`;

/** Policy authoring in a real editor: diagnostics, completion, hover, quick fixes, New Policy File. */
describe('policy authoring', () => {
  let editor: vscode.TextEditor;
  let uri: vscode.Uri;

  before(async () => {
    await activateGatehouse();
    uri = await writeWorkspaceFile('authoring/authoring.policy.yaml', POLICY);
    editor = await openEditor(uri);
    // A valid file: validated on open, no problems.
    await waitFor(async () => editor.document.languageId === 'yaml', 'YAML language mode');
  });

  afterEach(async () => {
    // Back to the valid text for the next test.
    const doc = editor.document;
    if (doc.getText() !== POLICY) {
      await editor.edit((b) => b.replace(new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), POLICY));
      await waitFor(() => gatehouseProblems(uri).length === 0, 'problems cleared');
    }
  });

  it('pins a schema error to the offending value and clears it when fixed', async () => {
    assert.deepEqual(gatehouseProblems(uri), []);
    await replaceText(editor, 'action: allow', 'action: alow');
    const problem = await waitFor(() => gatehouseProblems(uri).find((d) => d.code === 'ERR_SCHEMA_ENUM'), 'the enum error');
    assert.ok(problem.range.isEqual(rangeOf(editor.document, 'alow')), `range ${JSON.stringify(problem.range)}`);
    assert.equal(problem.severity, vscode.DiagnosticSeverity.Error);
    assert.match(problem.message, /\/spec\/rules\/0\/action must be one of "allow", "deny", "require_approval"/);
    await replaceText(editor, 'alow', 'allow');
    await waitFor(() => gatehouseProblems(uri).length === 0, 'the problem to disappear');
  });

  it('clears problems when the file is reverted', async () => {
    await replaceText(editor, 'action: allow', 'action: alow');
    await waitFor(() => gatehouseProblems(uri).length > 0, 'a problem');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(editor.document.getText(), POLICY);
    await waitFor(() => gatehouseProblems(uri).length === 0, 'the problem to disappear after revert');
  });

  it('pins a semantic error (duplicate rule id) to the second id', async () => {
    await replaceText(editor, 'id: agents', 'id: ci-chat');
    const problem = await waitFor(() => gatehouseProblems(uri).find((d) => d.code === 'ERR_POLICY_DUPLICATE_RULE_ID'), 'the duplicate id error');
    assert.ok(problem.range.isEqual(rangeOf(editor.document, 'ci-chat', 1)), `range ${JSON.stringify(problem.range)}`);
    assert.match(problem.message, /duplicate rule id "ci-chat" \(first defined at .*authoring\.policy\.yaml:8\)/);
  });

  it('offers quick fixes: closest property name, rename a duplicate id', async () => {
    await replaceText(editor, 'action: allow', 'acton: allow');
    const unknown = await waitFor(() => gatehouseProblems(uri).find((d) => d.code === 'ERR_SCHEMA_ADDITIONALPROPERTIES'), 'the unknown property error');
    assert.ok(unknown.range.isEqual(rangeOf(editor.document, 'acton')));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, unknown.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => a.title === 'Change to "action"');
    assert.ok(fix, `actions: ${actions.map((a) => a.title).join(', ')}`);
    assert.equal(fix.isPreferred, true);
    await vscode.workspace.applyEdit(fix.edit!);
    assert.equal(editor.document.getText(), POLICY);
    await waitFor(() => gatehouseProblems(uri).length === 0, 'the problem to disappear after the fix');

    await replaceText(editor, 'id: agents', 'id: ci-chat');
    const dup = await waitFor(() => gatehouseProblems(uri).find((d) => d.code === 'ERR_POLICY_DUPLICATE_RULE_ID'), 'the duplicate id error');
    const renames = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, dup.range, vscode.CodeActionKind.QuickFix.value);
    const rename = renames.find((a) => a.title === 'Rename to "ci-chat-2"');
    assert.ok(rename, `actions: ${renames.map((a) => a.title).join(', ')}`);
    await vscode.workspace.applyEdit(rename.edit!);
    assert.match(editor.document.getText(), /- id: ci-chat-2\n/);
    await waitFor(() => gatehouseProblems(uri).length === 0, 'no problems after the rename');
  });

  it('completes property names with descriptions at a rule, and enum values', async () => {
    await replaceText(editor, '      action: deny\n', '      action: deny\n      \n');
    const line = editor.document.lineCount - 2; // the blank line just inserted, inside rule "agents"
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(line, 6));
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const name of ['description', 'limits', 'approval']) assert.ok(labels.includes(name), `${name} in ${labels.join(', ')}`);
    assert.ok(!labels.includes('action') && !labels.includes('id'), 'keys already present are not offered');
    const limits = list.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'limits')!;
    assert.match((limits.documentation as vscode.MarkdownString).value, /limit/i);

    const actionLine = rangeOf(editor.document, 'action: deny').start.line;
    const values = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(actionLine, 14));
    const ours = values.items.filter((i) => i.kind === vscode.CompletionItemKind.EnumMember).map((i) => i.label);
    assert.deepEqual(ours, ['allow', 'deny', 'require_approval']);
  });

  it('shows the schema description on hover', async () => {
    const at = rangeOf(editor.document, 'defaultAction').start.translate(0, 3);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /\*\*defaultAction\*\*/);
    assert.match(text, /What happens when no rule matches/);
    assert.match(text, /Allowed: `allow`, `deny`, `require_approval`/);
  });

  it('validates a gateway config file against the config schema', async () => {
    const config = await writeWorkspaceFile('authoring/local.gatehouse.yaml', 'server:\n  listen: { host: 127.0.0.1, port: nope }\n');
    const doc = (await openEditor(config)).document;
    const problem = await waitFor(() => gatehouseProblems(config)[0], 'a config problem');
    assert.ok(problem.range.isEqual(rangeOf(doc, 'nope')), `range ${JSON.stringify(problem.range)}`);
    assert.match(problem.message, /\/server\/listen\/port must be integer/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('creates a policy file from the template that validates and whose tests pass', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri;
    const target = vscode.Uri.joinPath(folder, 'authoring', 'fresh.policy.yaml');
    const created = await vscode.commands.executeCommand<vscode.Uri>('gatehouse.newPolicyFile', target);
    assert.equal(created.toString(), target.toString());
    const doc = vscode.window.activeTextEditor!.document;
    assert.equal(doc.uri.toString(), target.toString());
    assert.match(doc.getText(), /name: fresh\n/);
    const summary = await vscode.commands.executeCommand<{ passed: number; failed: number }>('gatehouse.runPolicyTests', target);
    assert.deepEqual({ passed: summary.passed, failed: summary.failed }, { passed: 2, failed: 0 });
    assert.deepEqual(gatehouseProblems(target).filter((d) => d.severity === vscode.DiagnosticSeverity.Error), []);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('contributes yamlValidation for both schemas and the snippets', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { yamlValidation: { fileMatch: string[]; url: string }[]; snippets: { language: string }[] } };
    assert.deepEqual(pkg.contributes.yamlValidation.map((v) => v.url), ['./schemas/gatehouse.policy.schema.json', './schemas/gatehouse.config.schema.json']);
    assert.deepEqual(pkg.contributes.snippets.map((s) => s.language), ['yaml']);
  });
});
