import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostMessage } from '../../../extension/webview/protocol';
import type { MaskingPreviewPanel } from '../../../extension/webview/masking-preview-panel';
import { activateGatehouse, nextEvent, openEditor, replaceText, waitFor, writeWorkspaceFile } from './helpers';

type MaskResult = Extract<HostMessage, { type: 'maskResult'; ok: true }>;
const labels = (r: MaskResult) => r.highlights.map((h) => `${h.rule}/${h.detector}=${r.maskedText.slice(h.start, h.end)}`);

/** The masking and decision preview: a real webview (Monaco loads in it) fed by the host's core computations. */
describe('masking preview', () => {
  let panel: MaskingPreviewPanel;
  let editor: vscode.TextEditor;

  before(async () => {
    await activateGatehouse();
    const team = fs.readFileSync(path.join(vscode.extensions.getExtension('gatehouse.gatehouse')!.extensionPath, 'examples/policies/team.policy.yaml'), 'utf8');
    const uri = await writeWorkspaceFile('authoring/team.policy.yaml', team);
    editor = await openEditor(uri);
    panel = (await vscode.commands.executeCommand<MaskingPreviewPanel>('gatehouse.previewMasking'))!;
    assert.ok(panel, 'the command returns the panel');
    assert.equal(panel.policyFile.toString(), uri.toString());
  });

  after(() => panel?.dispose());

  it('loads the webview (ready handshake) and masks the workspace sample with labelled spans', async () => {
    await waitFor(() => panel.readyCount > 0, 'the webview to say ready', 60_000);
    const result = await waitFor(() => (panel.lastMaskResult?.ok ? panel.lastMaskResult : undefined), 'a mask result');
    assert.deepEqual(labels(result), ['agents-upstream-pii/email=[REDACTED:EMAIL]', 'agents-upstream-pii/phone=[REDACTED:PHONE]']);
    assert.match(result.maskedText, /"content": "Refund \[REDACTED:EMAIL\], call her at \[REDACTED:PHONE\]\."/);
  });

  it('recomputes when the policy is edited in its text editor', async () => {
    const changed = nextEvent(panel.onDidPostResult, (m) => m.type === 'maskResult' && m.ok && m.highlights.length === 1);
    await replaceText(editor, 'detectors: [all]', 'detectors: [phone]');
    const result = (await changed) as MaskResult;
    assert.deepEqual(labels(result), ['agents-upstream-pii/phone=[REDACTED:PHONE]']);
  });

  it('explains the decision for a sample request', async () => {
    await vscode.commands.executeCommand('gatehouse.previewDecision');
    const decision = await waitFor(() => (panel.lastDecisionResult?.ok ? panel.lastDecisionResult.decision : undefined), 'a decision');
    assert.equal(decision.rule, 'deny-everything-else');
    assert.deepEqual(decision.explain.at(-1), { rule: 'deny-everything-else', matched: true, reason: 'matches every request (no conditions)' });
  });

  it('is one panel: a second command reveals it', async () => {
    const again = await vscode.commands.executeCommand<MaskingPreviewPanel>('gatehouse.previewMasking');
    assert.equal(again, panel);
  });
});
