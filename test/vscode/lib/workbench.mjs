// Page object for the VS Code 1.139 web workbench, driven by playwright-core.
// Selectors were read from the live DOM; if a VS Code update breaks a test, start here.
export const SEL = {
  workbench: '.monaco-workbench',
  activityItem: (name) => `.activitybar .action-item .action-label[aria-label^="${name}"]`,
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .quick-input-list .monaco-list-row',
  quickInputTitle: '.quick-input-widget .quick-input-title',
  toast: '.notifications-toasts .notification-toast',
  bell: '[id="status.notifications"] a',
  centerItem: '.notifications-center .notification-list-item',
  notificationMessage: '.notification-list-item-message',
  notificationButton: '.notification-list-item-buttons-container .monaco-button',
  statusItem: (id) => `[id="${id}"]`,
  viewPane: (title) => `.pane:has(.pane-header[aria-label^="${title}"])`,
  treeRow: '.monaco-list-row',
  hover: '.monaco-hover.workbench-hover',
  webviewOuter: 'iframe.webview.ready', // the webview host iframe
  webviewInner: '#active-frame', // the extension's HTML lives in this nested iframe
  editorTab: (name) => `.tabs-container .tab[aria-label^="${name}"]`,
  problemsRow: '.part.panel .monaco-list-row',
};

/** How long a workbench (re)load may take: code-server serves it, slowly on a loaded machine. */
export const loadTimeoutMs = 120_000;

export class Workbench {
  /** `toasts: false` when the server runs with the smoke-test driver (toasts then only reach the centre). */
  constructor(page, { toasts = true } = {}) {
    this.page = page;
    this.toasts = toasts;
  }

  /**
   * Waits for the workbench (and an activity bar item) after a (re)load. The load waits on
   * code-server, whose own start took 20 s and more on a loaded 2-core machine: hence
   * `loadTimeoutMs`, not the page's 30 s default.
   */
  async ready(activityLabel, { timeout = loadTimeoutMs } = {}) {
    await this.page.locator(SEL.workbench).waitFor({ timeout });
    if (activityLabel) await this.page.locator(SEL.activityItem(activityLabel)).waitFor({ timeout });
  }

  /**
   * Runs a command through the palette by its "Category: Title". A command that opens an input
   * box at once reuses the palette's widget: pass `input`, that box's title, to wait for it
   * instead of for the palette to close.
   */
  async runCommand(title, { input } = {}) {
    const p = this.page;
    // The palette can close again as it opens, when a transient modal (or the focus moving to a
    // view that just updated) takes the focus: then it is opened afresh, a bounded number of times.
    for (let attempt = 1; ; attempt++) {
      await p.keyboard.press('F1');
      await p.locator(SEL.quickInputBox).waitFor({ state: 'visible' });
      try {
        await p.locator(SEL.quickInputBox).fill(`>${title}`, { timeout: 5000 });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        await p.keyboard.press('Escape');
      }
    }
    const row = p.locator(SEL.quickInputRow).filter({ hasText: title }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    if (input) await p.locator(SEL.quickInputTitle, { hasText: input }).waitFor({ state: 'visible' });
    else await p.locator(SEL.quickInput).waitFor({ state: 'hidden' });
  }

  /** Answers an open input box (e.g. an optional reason) with `text` and Enter. */
  async answerInput(text) {
    const box = this.page.locator(SEL.quickInputBox);
    await box.waitFor({ state: 'visible' });
    await box.fill(text);
    await this.page.keyboard.press('Enter');
    await this.page.locator(SEL.quickInput).waitFor({ state: 'hidden' });
  }

  /**
   * The toast whose message is exactly `text` (or matches a RegExp), or its row in the
   * notification centre once it has moved there.
   */
  async notification(text, { timeout = 20_000 } = {}) {
    const p = this.page;
    const message = p.locator(SEL.notificationMessage, { hasText: typeof text === 'string' ? new RegExp(`^${escapeRegExp(text)}$`) : text });
    if (this.toasts) {
      const toast = p.locator(SEL.toast).filter({ has: message });
      try { await toast.waitFor({ state: 'visible', timeout }); return toast; } catch { /* expired into the centre */ }
    }
    const item = p.locator(SEL.centerItem).filter({ has: message });
    if (!(await item.isVisible())) {
      await p.locator(SEL.bell).click();
      await this.dismissHover();
    }
    await item.waitFor({ state: 'visible', timeout });
    return item;
  }

  async notificationText(locator) {
    return (await locator.locator(SEL.notificationMessage).innerText()).trim();
  }

  /** Clicks a notification button by its exact label and waits for the notification to close. */
  async clickNotificationButton(text, button) {
    const n = await this.notification(text);
    await this.dismissHover();
    await n.locator(SEL.notificationButton).filter({ hasText: new RegExp(`^${button}$`) }).click();
    await n.waitFor({ state: 'hidden' });
  }

  /** Hover tooltips (the bell's, a tree item's) can cover buttons. */
  async dismissHover() {
    await this.page.mouse.move(700, 300);
    await this.page.locator(SEL.hover).waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
  }

  async statusText(id) {
    return (await this.page.locator(SEL.statusItem(id)).innerText()).trim();
  }

  async openViewContainer(name) {
    const item = this.page.locator(SEL.activityItem(name));
    // The activity bar toggles: a click on the container already shown would close the side bar.
    const shown = await item.evaluate((el) => el.closest('.action-item')?.classList.contains('checked') ?? false);
    if (!shown) await item.click();
  }

  /** Rows of a tree view, as [{ label, description, ariaLabel }]. */
  async treeItems(viewTitle) {
    const pane = this.page.locator(SEL.viewPane(viewTitle));
    await pane.locator(SEL.treeRow).first().waitFor();
    return pane.locator(SEL.treeRow).evaluateAll((rows) => rows.map((r) => ({
      label: r.querySelector('.label-name')?.textContent ?? '',
      description: r.querySelector('.label-description')?.textContent ?? '',
      ariaLabel: r.getAttribute('aria-label') ?? '',
    })));
  }

  /** FrameLocator for the content document of the last opened webview. */
  webview() {
    return this.page.frameLocator(SEL.webviewOuter).last().frameLocator(SEL.webviewInner);
  }

  /** Opens a workspace file through Quick Open and waits for its tab. */
  async openFile(relativePath) {
    const p = this.page;
    await p.keyboard.press('Control+P');
    await p.locator(SEL.quickInputBox).waitFor({ state: 'visible' });
    await p.locator(SEL.quickInputBox).fill(relativePath);
    const row = p.locator(SEL.quickInputRow).filter({ hasText: relativePath.split('/').pop() }).first();
    await row.waitFor({ state: 'visible' });
    await p.keyboard.press('Enter');
    await p.locator(SEL.quickInput).waitFor({ state: 'hidden' });
    await p.locator(`${SEL.editorTab(relativePath.split('/').pop())}.active`).waitFor();
  }

  /** Puts the cursor at the end of a 1-based line of the active text editor (Go to Line). */
  async goToLineEnd(line) {
    const p = this.page;
    await p.keyboard.press('Control+G');
    await p.locator(SEL.quickInputBox).waitFor({ state: 'visible' });
    await p.keyboard.type(String(line));
    await p.keyboard.press('Enter');
    await p.locator(SEL.quickInput).waitFor({ state: 'hidden' });
    await p.keyboard.press('End');
  }

  treeRow(viewTitle, text) {
    return this.page.locator(SEL.viewPane(viewTitle)).locator(SEL.treeRow).filter({ hasText: text });
  }
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
