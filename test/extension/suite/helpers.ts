import * as vscode from 'vscode';
import type { GatehouseTestApi } from '../../../extension/extension';

export const EXTENSION_ID = 'gatehouse.gatehouse';

/** Activates the extension under test and returns the services activate() built. */
export async function activateGatehouse(): Promise<GatehouseTestApi> {
  const ext = vscode.extensions.getExtension<GatehouseTestApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** Resolves with the first event value that satisfies `predicate`, or rejects after `ms`. */
export function nextEvent<T>(event: vscode.Event<T>, predicate: (value: T) => boolean = () => true, ms = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const sub = event((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}

/** Polls `condition` until it returns a truthy value, with a bounded deadline (no fixed sleeps). */
export async function waitFor<T>(condition: () => T | Promise<T>, what: string, ms = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a file into the test workspace (created per run) and returns its URI. */
export async function writeWorkspaceFile(relative: string, text: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) throw new Error('the suite needs a workspace folder');
  const uri = vscode.Uri.joinPath(folder, relative);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

/** Opens a document in an editor. */
export async function openEditor(uri: vscode.Uri): Promise<vscode.TextEditor> {
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
}

/** The range of the `occurrence`-th (0-based) match of `needle` in the document. */
export function rangeOf(doc: vscode.TextDocument, needle: string, occurrence = 0): vscode.Range {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = doc.getText().indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" #${occurrence} not in ${doc.uri.path}`);
  }
  return new vscode.Range(doc.positionAt(at), doc.positionAt(at + needle.length));
}

/** Replaces the `occurrence`-th match of `needle` as if typed (an edit, not a save). */
export async function replaceText(editor: vscode.TextEditor, needle: string, text: string, occurrence = 0): Promise<void> {
  const range = rangeOf(editor.document, needle, occurrence);
  const ok = await editor.edit((b) => b.replace(range, text));
  if (!ok) throw new Error('edit was not applied');
}

/** Gatehouse problems (source gatehouse) of a document. */
export const gatehouseProblems = (uri: vscode.Uri, source = 'gatehouse') => vscode.languages.getDiagnostics(uri).filter((d) => d.source === source);
