import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../core/diagnostics';
import { parseYamlDocument, type YamlDocument } from '../core/yaml-document';

export const policyFileSuffix = '.policy.yaml';

export interface PolicyFiles {
  /** Absolute paths, in combination order. */
  files: string[];
  /** Problems finding or reading them (missing file, empty folder). */
  diagnostics: Diagnostic[];
}

/**
 * Expands configured policy paths (files or folders, relative to `baseDir`) into the ordered file
 * list: paths in the order given; a folder contributes its *.policy.yaml files sorted by name
 * (code-point order, not recursive). A folder without policy files is an error (fail closed).
 */
export async function resolvePolicyFiles(paths: readonly string[], baseDir: string): Promise<PolicyFiles> {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const p of paths) {
    const abs = isAbsolute(p) ? p : resolve(baseDir, p);
    try {
      if ((await stat(abs)).isDirectory()) {
        const names = (await readdir(abs)).filter((n) => n.endsWith(policyFileSuffix)).sort();
        if (!names.length) diagnostics.push(fileDiagnostic(abs, `no *${policyFileSuffix} files in this folder`, 'ERR_POLICY_NO_FILES'));
        files.push(...names.map((n) => join(abs, n)));
      } else {
        files.push(abs);
      }
    } catch (err) {
      diagnostics.push(fileDiagnostic(abs, `cannot read policy path: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'ERR_POLICY_READ'));
    }
  }
  return { files: [...new Set(files)], diagnostics };
}

/** Reads and parses policy files, keeping source ranges; names them relative to the working directory when inside it. */
export async function readPolicyDocuments(files: readonly string[]): Promise<{ docs: YamlDocument[]; diagnostics: Diagnostic[] }> {
  const docs: YamlDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    try {
      docs.push(parseYamlDocument(await readFile(file, 'utf8'), displayName(file)));
    } catch (err) {
      diagnostics.push(fileDiagnostic(file, `cannot read policy file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'ERR_POLICY_READ'));
    }
  }
  return { docs, diagnostics };
}

export function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function fileDiagnostic(file: string, message: string, code: string): Diagnostic {
  return { file: displayName(file), line: 1, column: 1, endLine: 1, endColumn: 1, path: '', message, severity: 'error', code };
}
