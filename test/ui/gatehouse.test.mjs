// End-to-end: the installed VSIX in a real VS Code window, a real gateway process started from
// the palette, the real `openai` SDK as the caller. Run by test/vscode/run-ui-tests.mjs, which
// provides globalThis.gatehouseUi (page, workbench, workspace, dataDir, gatewayScript, screenshot).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import OpenAI from 'openai';
import { loadTimeoutMs } from '../vscode/lib/workbench.mjs';

const APPROVAL_TOAST = 'ci-deployer wants POST /v1/chat/completions on gpt-4o — rule gpt-4o-needs-approval';

describe('Gatehouse in VS Code', function () {
  const ui = globalThis.gatehouseUi;
  const { page, workbench } = ui;
  const statusBar = page.locator('.statusbar-item', { hasText: 'Gatehouse' });
  let dataUrl;
  let client;

  /** Sends a chat completion for gpt-4o, which the workspace policy holds for approval. */
  const askGpt4o = (text) => client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] });

  it('starts the gateway from the command palette; the status bar shows it running', async () => {
    await workbench.runCommand('Gatehouse: Start Gateway');
    await statusBar.filter({ hasText: 'running' }).waitFor({ timeout: 60_000 });
    const text = (await statusBar.innerText()).trim();
    const m = /running (127\.0\.0\.1:\d+)/.exec(text);
    assert.ok(m, `status bar: ${text}`);
    dataUrl = `http://${m[1]}`;
    await workbench.openViewContainer('Gatehouse');
    await workbench.treeRow('Gateway', /^Running/).waitFor(); // not the Instances row's "1 running"
    await ui.screenshot('01-gateway-running');
  });

  it('approves a held request from the toast; the SDK gets its answer and the Audit Log shows it', async () => {
    const token = execFileSync(process.execPath, [ui.gatewayScript, 'token', '--data-dir', ui.dataDir, '--sub', 'ci-deployer'], { encoding: 'utf8' }).trim();
    client = new OpenAI({ baseURL: `${dataUrl}/v1`, apiKey: token, maxRetries: 0, timeout: 120_000 });
    const answer = askGpt4o('approve me');
    const toast = await workbench.notification(APPROVAL_TOAST);
    assert.equal(await workbench.notificationText(toast), APPROVAL_TOAST);
    await statusBar.filter({ hasText: /running \S+\s+1$/ }).waitFor(); // one pending approval
    await workbench.treeRow('Pending Approvals', 'ci-deployer: POST /v1/chat/completions').waitFor();
    await ui.screenshot('02-approval-toast');
    await workbench.clickNotificationButton(APPROVAL_TOAST, 'Approve');
    const completion = await answer;
    assert.match(completion.choices[0].message.content, /approve me/);
    const row = workbench.treeRow('Audit Log', 'ci-deployer').first();
    await row.waitFor();
    await ui.screenshot('03-approved-audit-log');
    // A click opens the masked record as a read-only JSON document.
    await row.click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor();
    await page.locator('.tab.active', { hasText: '.json' }).waitFor();
    assert.match(await editor.locator('.view-lines').innerText(), /"id"/);
    await ui.screenshot('04-audit-record');
  });

  it('denies a held request from the toast with a reason; the SDK gets a 403', async () => {
    const answer = askGpt4o('deny me').then(() => assert.fail('the denied request was answered'), (e) => e);
    await workbench.clickNotificationButton(APPROVAL_TOAST, 'Deny');
    await workbench.answerInput('not in the budget');
    const err = await answer;
    assert.equal(err.status, 403, String(err));
    const denied = workbench.treeRow('Audit Log', 'ci-deployer').filter({ has: page.locator('.codicon-error') });
    await denied.first().waitFor();
    await ui.screenshot('05-denied-audit-log');
  });

  it('stops the gateway it started when the window reloads (the extension deactivates)', async function () {
    this.timeout(loadTimeoutMs + 90_000);
    const reloaded = page.waitForEvent('load', { timeout: loadTimeoutMs });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.ready('Gatehouse');
    // Bounded poll: the old data listener must refuse connections once deactivate() has run.
    const refused = () => new Promise((resolve) => {
      http.get(`${dataUrl}/v1/models`, (res) => { res.resume(); resolve(false); }).on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
    });
    const deadline = Date.now() + 30_000;
    while (!(await refused())) {
      assert.ok(Date.now() < deadline, `the gateway at ${dataUrl} still answers after the reload`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
