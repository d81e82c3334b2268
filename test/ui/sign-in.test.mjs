// End-to-end sign-in in a real VS Code (code-server, a browser UI) against a real identity
// provider (oidc-provider's development pages, on 127.0.0.2 like a provider on another host):
// - the device authorization grant (what a browser UI picks): Connect to Gateway… with only the
//   admin URL, the code in a progress notification that goes away once signed in, Playwright
//   entering it and logging in, the Accounts menu showing the session, the Pending Approvals view
//   loading from the remote gateway with its token, and sign-out from the Accounts menu;
// - the authorization code with PKCE (gatehouse.signIn.flow: loopback, set in the Settings
//   editor): the browser opens the provider's login, the redirect comes back to the extension's
//   127.0.0.1 listener through code-server's port proxy (VS Code's asExternalUri), signed in.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const CODE_TOAST = /^Gatehouse sign-in: enter the code (\S+) at (\S+)$/;

describe('Gatehouse sign-in in VS Code (device flow and loopback redirect against a real identity provider)', function () {
  const ui = globalThis.gatehouseUi;
  const { page, workbench } = ui;
  let stack;
  let urls;
  let deviceCode;

  before(async () => {
    stack = spawn(process.execPath, ['--import', 'tsx', '--require', path.join(ui.repo, 'scripts/register-text-loaders.cjs'), path.join(ui.repo, 'test/ui/fixtures/sign-in-stack.ts')], {
      cwd: ui.repo, stdio: ['pipe', 'pipe', 'inherit'],
      // The provider accepts redirects through this code-server's port proxy (the loopback flow in a browser UI).
      env: { ...process.env, CODE_SERVER_ORIGIN: ui.server.url },
    });
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
    // The address is a link to the page with the code filled in (RFC 8628 verification_uri_complete).
    assert.match(await toast.locator('a', { hasText: verificationUri }).getAttribute('href'), new RegExp(`^${verificationUri}\\?user_code=`));
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
    // The code's notification ended with the sign-in (the notification centre is checked after sign-out).
    await toast.waitFor({ state: 'detached' });
    deviceCode = userCode;
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
    // Hovered, the submenu's item takes the focus; Enter runs it. (A click on an item of a submenu
    // that has just opened was sometimes swallowed after the other UI files had run.)
    await page.locator('.monaco-menu .action-label', { hasText: 'Sign Out' }).first().hover();
    await page.locator('.monaco-menu .action-item.focused', { hasText: 'Sign Out' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Sign Out' }).click();
    await page.locator('.welcome-view-content', { hasText: 'No gateway is running in this window.' }).first().waitFor();
    await page.locator('.codicon-accounts-view-bar-icon').first().click();
    await page.locator('.monaco-menu').first().waitFor();
    assert.equal(await page.locator('.monaco-menu .action-label', { hasText: 'alice (Gatehouse)' }).count(), 0, 'no Gatehouse account after sign-out');
    await ui.screenshot('sign-in-04-signed-out');
    await page.keyboard.press('Escape');
    // The device code is shown nowhere, not in the notification centre either (where a toast that timed out stays).
    await workbench.runCommand('Notifications: Show Notifications');
    const centre = page.locator('.notifications-center');
    await centre.locator('.notification-list-item-message', { hasText: 'Connected to the Gatehouse gateway' }).first().waitFor();
    assert.equal(await centre.locator('.notification-list-item-message', { hasText: deviceCode }).count(), 0, 'the device code is shown nowhere once signed in');
    await workbench.runCommand('Notifications: Hide Notifications');
    await centre.waitFor({ state: 'hidden' });
  });

  it('signs in with the browser and a loopback redirect (authorization code + PKCE) when gatehouse.signIn.flow is loopback', async () => {
    // The user's choice, in the Settings editor.
    await workbench.runCommand('Preferences: Open User Settings');
    const flowSetting = page.locator('.setting-item-contents[data-key="gatehouse.signIn.flow"]');
    await page.keyboard.type('gatehouse.signIn.flow');
    await flowSetting.locator('select').selectOption('loopback');
    // Written: the workbench marks the setting as set (what the extension host reads from now on).
    await page.locator('.setting-item-contents.is-configured[data-key="gatehouse.signIn.flow"]').waitFor();
    await ui.screenshot('sign-in-05-loopback-setting');
    await page.keyboard.press('Escape');
    await flowSetting.waitFor({ state: 'hidden' });
    // The provider's session from the device sign-in would skip its login page: this user logs in afresh.
    await page.context().clearCookies({ domain: new URL(urls.issuer).hostname });

    const idpTab = page.context().waitForEvent('page');
    const authorizationRequest = page.context().waitForEvent('request', (r) => r.url().startsWith(`${urls.issuer}/auth?`));
    await workbench.runCommand('Gatehouse: Connect to Gateway…', { input: 'Connect to Gateway' });
    await workbench.answerInput(urls.adminUrl);
    await workbench.notification('Gatehouse sign-in: continue in your browser…', { timeout: 30_000 });
    // VS Code asks before opening a site that is not a trusted domain.
    await page.locator('.monaco-dialog-box').getByRole('button', { name: 'Open' }).click();
    const idp = await idpTab;
    try {
      const sent = new URL((await authorizationRequest).url());
      assert.equal(sent.searchParams.get('code_challenge_method'), 'S256');
      // Through the code-server that shows this window: its port proxy reaches the extension's 127.0.0.1 listener.
      assert.match(sent.searchParams.get('redirect_uri'), new RegExp(`^${escapeRegExp(ui.server.url)}proxy/\\d+/callback$`));
      await idp.locator('input[name=login]').fill('alice');
      await idp.locator('input[name=password]').fill('any');
      await idp.getByRole('button', { name: 'Sign-in' }).click();
      await idp.getByRole('button', { name: 'Continue' }).click(); // consent
      await idp.getByText('Signed in to Gatehouse. You can close this tab and return to VS Code.').waitFor();
    } finally {
      await idp.close();
    }

    await workbench.notification(`Connected to the Gatehouse gateway at ${urls.adminUrl} as alice.`, { timeout: 60_000 });
    await workbench.openViewContainer('Gatehouse');
    await page.locator('.welcome-view-content', { hasText: 'No requests are waiting for approval' }).first().waitFor();
    await page.locator('.codicon-accounts-view-bar-icon').first().click();
    await page.locator('.monaco-menu', { hasText: 'alice (Gatehouse)' }).first().waitFor();
    await ui.screenshot('sign-in-06-loopback-signed-in');
    await page.keyboard.press('Escape');
  });
});

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
