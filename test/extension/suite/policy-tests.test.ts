import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PolicyTestSummary } from '../../../extension/policy/policy-test-runner';
import { activateGatehouse, gatehouseProblems, openEditor, rangeOf, replaceText, waitFor, writeWorkspaceFile } from './helpers';

const POLICY = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata:
  name: tested
spec:
  rules:
    - id: ci-chat
      match:
        principal:
          groups: [ci]
        endpoints: [chat]
      action: allow
    - id: deny-rest
      action: deny

tests:
  - name: ci may chat
    principal: { subject: ci-bot, groups: [ci] }
    request: { endpoint: chat, model: gpt-4o-mini }
    expect: { action: allow, rule: ci-chat }

  - name: ci may embed
    principal: { subject: ci-bot, groups: [ci] }
    request: { endpoint: embeddings, model: text-embedding-3-small }
    expect: { action: allow, rule: ci-chat }
`;

describe('policy tests in the editor', () => {
  it('puts Run tests CodeLenses on tests: and each case; running reports the failing one on its node with the explain trace', async () => {
    await activateGatehouse();
    const uri = await writeWorkspaceFile('authoring/tested.policy.yaml', POLICY);
    const editor = await openEditor(uri);
    const doc = editor.document;

    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
    const ours = lenses.filter((l) => l.command?.command === 'gatehouse.runPolicyTests');
    assert.deepEqual(ours.map((l) => [l.range.start.line, l.command!.title]), [
      [rangeOf(doc, 'tests:').start.line, '$(run-all) Run tests'],
      [rangeOf(doc, '- name: ci may chat').start.line, '$(play) Run test'],
      [rangeOf(doc, '- name: ci may embed').start.line, '$(play) Run test'],
    ]);

    // Run exactly what the "Run tests" lens runs.
    const all = ours[0]!.command!;
    const summary = await vscode.commands.executeCommand<PolicyTestSummary>(all.command, ...(all.arguments ?? []));
    assert.deepEqual({ passed: summary.passed, failed: summary.failed, errors: summary.errors }, { passed: 1, failed: 1, errors: 0 });

    const failures = await waitFor(() => (gatehouseProblems(uri, 'gatehouse test').length ? gatehouseProblems(uri, 'gatehouse test') : undefined), 'the failure problem');
    assert.equal(failures.length, 1);
    const failure = failures[0]!;
    assert.ok(failure.range.isEqual(rangeOf(doc, 'ci may embed')), `range ${JSON.stringify(failure.range)}`);
    assert.match(failure.message, /Test "ci may embed" failed: expected action allow, got deny; expected rule ci-chat, got deny-rest/);
    assert.match(failure.message, /explain:\n {2}· ci-chat: .*embeddings.*\n {2}✓ deny-rest: /);
    assert.deepEqual(failure.relatedInformation?.map((r) => [r.location.range.start.line, r.message.split(':')[0]]), [
      [rangeOf(doc, 'ci-chat').start.line, 'skipped'],
      [rangeOf(doc, 'deny-rest').start.line, 'decided'],
    ]);

    // The lenses now show each case's outcome; one case can run alone.
    const after = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10)).filter((l) => l.command?.command === 'gatehouse.runPolicyTests');
    assert.deepEqual(after.map((l) => l.command!.title), ['$(run-all) Run tests', '$(pass) Run test', '$(error) Run test']);
    const one = await vscode.commands.executeCommand<PolicyTestSummary>('gatehouse.runPolicyTests', uri, 0);
    assert.deepEqual([one.passed, one.failed], [1, 0]);
    assert.equal(gatehouseProblems(uri, 'gatehouse test').length, 1, 'running one case keeps the other case’s failure');

    // Fixing the policy and re-running clears the failure; an edit alone clears stale results.
    await replaceText(editor, 'endpoints: [chat]', 'endpoints: [chat, embeddings]');
    await waitFor(() => gatehouseProblems(uri, 'gatehouse test').length === 0, 'stale test problems cleared by the edit');
    const fixed = await vscode.commands.executeCommand<PolicyTestSummary>('gatehouse.runPolicyTests', uri);
    assert.deepEqual([fixed.passed, fixed.failed], [2, 0]);
    assert.deepEqual(gatehouseProblems(uri, 'gatehouse test'), []);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
