import type * as vscode from 'vscode';

/**
 * Base for everything that owns resources (child processes, sockets, emitters, subscriptions).
 * Subclasses `register()` what they own; `dispose()` releases it in reverse order, once.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: { dispose(): unknown }[] = [];
  private disposed = false;

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  protected register<T extends { dispose(): unknown }>(value: T): T {
    if (this.disposed) value.dispose();
    else this.owned.push(value);
    return value;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.owned.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // one failing disposable must not keep the others alive
      }
    }
  }
}

/** Wraps a cleanup function as a disposable. */
export const toDisposable = (fn: () => void): { dispose(): void } => ({ dispose: fn });
