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
