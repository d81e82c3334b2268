import * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // Wired as the extension lands (see issue: VS Code extension, part 1).
}

export function deactivate(): void {}
