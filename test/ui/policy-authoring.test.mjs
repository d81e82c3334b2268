// Policy authoring and the masking preview in the installed VSIX: a squiggle and a Problems entry
// for an invalid rule typed into the example policy, and the preview's masked spans (Monaco in a
// webview) changing when a masking rule is edited. Run by test/vscode/run-ui-tests.mjs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SEL } from '../vscode/lib/workbench.mjs';

const POLICY = 'examples/policies/team.policy.yaml';

describe('policy authoring and masking preview', function () {
  const ui = globalThis.gatehouseUi;
  const { page, workbench } = ui;
  const lines = fs.readFileSync(path.join(ui.workspace, POLICY), 'utf8').split('\n');
  const lineOf = (text) => lines.indexOf(text) + 1;
  const editor = page.locator('.editor-instance .monaco-editor').first();

  /** Types `text` as a new line below 1-based `line`, with absolute indentation (Monaco may auto-indent). */
  async function typeLineBelow(line, text) {
    await workbench.goToLineEnd(line);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText(text);
    await page.keyboard.press('Escape'); // a suggest widget, if any
  }

  it('squiggles an invalid rule typed into the example policy and lists it in Problems', async () => {
    await workbench.openFile(POLICY);
    await editor.locator('.view-lines', { hasText: 'apiVersion' }).waitFor();
    const after = lineOf('      action: deny'); // the last rule, deny-everything-else
    assert.ok(after > 0);
    await typeLineBelow(after, '    - id: typo-rule');
    await typeLineBelow(after + 1, '      action: alow');
    const squiggle = editor.locator('.squiggly-error');
    await squiggle.first().waitFor({ state: 'visible' });
    const word = editor.locator('.view-line span span').filter({ hasText: /^alow$/ });
    // Monaco re-renders lines while the suggest widget and decorations settle: poll the geometry.
    let sq, w;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await page.waitForTimeout(100)) {
      [sq, w] = [await squiggle.first().boundingBox().catch(() => null), await word.boundingBox().catch(() => null)];
      if (sq && w && Math.abs(sq.x - w.x) < 3 && Math.abs(sq.width - w.width) < 3 && Math.abs(sq.y - w.y) < w.height) break;
    }
    assert.ok(sq && w && Math.abs(sq.x - w.x) < 3 && Math.abs(sq.width - w.width) < 3, `squiggle ${JSON.stringify(sq)} under "alow" ${JSON.stringify(w)}`);
    assert.equal(await squiggle.count(), 1);

    await page.keyboard.press('Control+Shift+M');
    const row = page.locator(SEL.problemsRow).filter({ hasText: 'must be one of "allow", "deny", "require_approval"' });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /\/spec\/rules\/6\/action/);
    await ui.screenshot('10-policy-squiggle-problems');

    // Fixing the value clears both.
    await word.dblclick();
    await page.keyboard.insertText('allow');
    await squiggle.first().waitFor({ state: 'detached' });
    await row.first().waitFor({ state: 'detached' });
    await ui.screenshot('11-policy-fixed');
    await page.keyboard.press('Escape'); // the suggest widget typing opened
    // Remove the typed rule (the workbench auto-saves, so Revert would not undo it).
    await workbench.goToLineEnd(after + 1);
    await page.keyboard.press('Control+Shift+K');
    await page.keyboard.press('Control+Shift+K');
    await page.locator(SEL.problemsRow).first().waitFor({ state: 'detached' }); // the shadowed-rule warning of typo-rule, gone with it
    await page.keyboard.press('Control+J'); // hide the panel again
  });

  it('previews masking of the workspace sample: masked spans labelled with rule and detector', async () => {
    await editor.click({ position: { x: 200, y: 10 } });
    await workbench.runCommand('Gatehouse: Preview Masking');
    const wv = workbench.webview();
    await wv.locator('#result-editor .view-lines').waitFor({ state: 'visible', timeout: 60_000 });
    const spans = wv.locator('#spans li');
    await spans.nth(1).waitFor();
    assert.deepEqual(await spans.allInnerTexts(), [
      'agents-upstream-pii · email · $.messages[0].content: [REDACTED:EMAIL]',
      'agents-upstream-pii · phone · $.messages[0].content: [REDACTED:PHONE]',
    ]);
    // Highlighted in the result editor, with inline labels (Monaco renders only the lines in view).
    await wv.locator('#result-editor .masked-span', { hasText: '[REDACTED:EMAIL]' }).waitFor();
    const labels = (await wv.locator('#result-editor .masked-label').allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' ').trim()).filter(Boolean);
    assert.ok(labels.includes('agents-upstream-pii/email'), `labels ${JSON.stringify(labels)}`);
    assert.match(await wv.locator('#summary').innerText(), /^2 masked \(upstream\)/);
    assert.match(await wv.locator('#sample option:checked').innerText(), /samples\/support-chat\.json/);
    await wv.locator('#rules-editor .view-lines', { hasText: 'agents-upstream-pii' }).waitFor();
    await ui.screenshot('12-masking-preview');
  });

  it('lays out for its half of the window: the panes stack in one column', async () => {
    const wv = workbench.webview();
    const rules = await wv.locator('#rules-editor').boundingBox();
    const sample = await wv.locator('#sample-editor').boundingBox();
    const result = await wv.locator('#result-editor').boundingBox();
    const spans = await wv.locator('#spans').boundingBox();
    assert.ok(await wv.locator('body').evaluate((b) => b.clientWidth < 720), 'the preview opened beside the editor, in half the window');
    assert.equal(sample.x, rules.x, 'rules and sample in one column');
    assert.ok(sample.y > rules.y + rules.height - 1 && result.y > sample.y + sample.height - 1, 'rules, sample, result from top to bottom');
    assert.ok(spans.y >= result.y + result.height - 1, 'the span list under the result editor, not squeezed beside it');
    assert.ok(result.width > 300, `result editor ${result.width}px wide`);
  });

  it('F1, Ctrl+Shift+P and Ctrl+P typed in the preview reach the workbench, not Monaco in the webview', async () => {
    const wv = workbench.webview();
    const rulesEditor = wv.locator('#rules-editor .view-lines');
    for (const [key, value] of [['F1', '>'], ['Control+Shift+P', '>'], ['Control+P', '']]) {
      await rulesEditor.click();
      await page.keyboard.press(key);
      const box = page.locator(SEL.quickInputBox);
      await box.waitFor({ state: 'visible' });
      assert.equal(await box.inputValue(), value, `${key}: the workbench's ${value ? 'command palette' : 'quick open'}`);
      assert.equal(await wv.locator('.quick-input-widget').filter({ visible: true }).count(), 0, `${key}: Monaco's own command list stays closed`);
      await page.keyboard.press('Escape');
      await page.locator(SEL.quickInput).waitFor({ state: 'hidden' });
    }
  });

  it('updates the preview when a masking rule changes in the policy editor', async () => {
    await editor.click({ position: { x: 200, y: 10 } });
    const line = lineOf('      detectors: [all]');
    await workbench.goToLineEnd(line);
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText('detectors: [phone]');
    const wv = workbench.webview();
    const spans = wv.locator('#spans li');
    await spans.filter({ hasText: 'email' }).waitFor({ state: 'detached' });
    assert.deepEqual(await spans.allInnerTexts(), ['agents-upstream-pii · phone · $.messages[0].content: [REDACTED:PHONE]']);
    await wv.locator('#rules-editor .view-lines', { hasText: 'phone' }).waitFor();
    await ui.screenshot('13-masking-preview-changed');
    await editor.click({ position: { x: 200, y: 10 } });
    await workbench.goToLineEnd(line);
    await page.keyboard.press('Shift+Home');
    await page.keyboard.insertText('detectors: [all]');
    await spans.filter({ hasText: 'email' }).waitFor();
  });

  it('shows the decision and its explain trace for a sample request', async () => {
    const wv = workbench.webview();
    await wv.locator('button[data-tab="decision"]').click();
    await wv.locator('#decision-subject').fill('agent-7');
    await wv.locator('#decision-groups').fill('agents');
    await wv.locator('#decision-result', { hasText: 'allow — rule agents-capped' }).waitFor();
    const rows = await wv.locator('#explain tr').allInnerTexts();
    assert.match(rows.at(-1), /✓\s+agents-capped/);
    await ui.screenshot('14-decision-preview');
  });
});
