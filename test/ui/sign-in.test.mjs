// End-to-end sign-in in a real VS Code (code-server, a browser UI, so the extension picks the
// device authorization grant): Connect to Gateway… with only the admin URL, the code shown in a
// notification, Playwright entering it and logging in at a real identity provider
// (oidc-provider's development pages), the extension getting the session, the Accounts menu
// showing it, the Pending Approvals view loading from the remote gateway with its token, and
// sign-out from the Accounts menu disconnecting the window.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const CODE_TOAST = /^To sign in to Gatehouse, enter the code (\S+) at (\S+)$/;

describe('Gatehouse sign-in in VS Code (device flow against a real identity provider)', function () {
  const ui = globalThis.gatehouseUi;
  const { page, workbench } = ui;
  let stack;
  let urls;

  before(async () => {
    stack = spawn(process.execPath, ['--import', 'tsx', '--require', path.join(ui.repo, 'scripts/register-text-loaders.cjs'), path.join(ui.repo, 'test/ui/fixtures/sign-in-stack.ts')], { cwd: ui.repo, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((_, reject) => stack.once('exit', (code) => reject(new Error(`sign-in stack exited (${code})`))));
    const first = new Promise((resolve) => readline.createInterface({ input: stack.stdout }).once('line', resolve));
    urls = JSON.parse(await Promise.race([first, exited]));
  });
  after(() => stack?.kill('SIGTERM'));

  it('connects to a remote gateway by signing in: code in a notification, login in the browser, approvals view loads', async () => {
    await workbench.runCommand('Gatehouse: Connect to Gateway…', { input: 'Connect to Gateway' });
    await workbench.answerInput(urls.adminUrl);
    const toast = await workbench.notification(CODE_TOAST, { timeout: 30_000 });
    const [, userCode, verificationUri] = CODE_TOAST.exec(await workbench.notificationText(toast));
    assert.ok(verificationUri.startsWith(urls.issuer), `${verificationUri} is the identity provider's`);
    await ui.screenshot('sign-in-01-device-code');

    // The user, in another browser tab: the code, then the identity provider's login and consent.
    const idp = await page.context().newPage();
    try {
      await idp.goto(verificationUri);
      await idp.locator('input[name=user_code]').fill(userCode);
      await idp.locator('button[type=submit]').first().click();
      await idp.getByRole('button', { name: 'Continue' }).first().click(); // confirm the device
      await idp.locator('input[name=login]').fill('alice');
      await idp.locator('input[name=password]').fill('any');
      await idp.getByRole('button', { name: 'Sign-in' }).click();
      await idp.getByRole('button', { name: 'Continue' }).click(); // consent
      await idp.getByRole('heading', { name: 'Sign-in Success' }).waitFor();
    } finally {
      await idp.close();
    }

    await workbench.notification(`Connected to the Gatehouse gateway at ${urls.adminUrl} as alice.`, { timeout: 60_000 });
    await workbench.openViewContainer('Gatehouse');
    await page.locator('.welcome-view-content', { hasText: 'No requests are waiting for approval' }).first().waitFor();
    await ui.screenshot('sign-in-02-connected');

    // The account is in VS Code's Accounts menu.
    await page.locator('.codicon-accounts-view-bar-icon').first().click();
    await page.locator('.monaco-menu', { hasText: 'alice (Gatehouse)' }).first().waitFor();
    await ui.screenshot('sign-in-03-accounts-menu');
  });

  it('signs out from the Accounts menu: the session is gone and the window disconnects', async () => {
    await page.locator('.monaco-menu .action-label', { hasText: 'alice (Gatehouse)' }).first().hover();
    await page.locator('.monaco-menu .action-label', { hasText: 'Sign Out' }).first().click();
    await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Sign Out' }).click();
    await page.locator('.welcome-view-content', { hasText: 'No gateway is running in this window.' }).first().waitFor();
    await page.locator('.codicon-accounts-view-bar-icon').first().click();
    await page.locator('.monaco-menu').first().waitFor();
    assert.equal(await page.locator('.monaco-menu .action-label', { hasText: 'alice (Gatehouse)' }).count(), 0, 'no Gatehouse account after sign-out');
    await ui.screenshot('sign-in-04-signed-out');
    await page.keyboard.press('Escape');
  });
});
