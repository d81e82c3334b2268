import { compilePolicy, type CompilePolicyOptions } from '../core/policy';
import type { CompiledPolicy } from '../core/policy';
import type { Diagnostic } from '../core/diagnostics';
import { parseYamlDocument } from '../core/yaml-document';
import { readPolicyDocuments, resolvePolicyFiles } from './load-policy-files';

export interface LoadedPolicy {
  policy?: CompiledPolicy;
  /** Absolute paths of the files combined (empty for the embedded default). */
  files: string[];
  diagnostics: Diagnostic[];
  /** True when the embedded default policy was used. */
  embedded: boolean;
}

/**
 * Finds, reads, validates and compiles the policy named by config `policy.paths`, or the embedded
 * default (`defaultText`, the bundled default.policy.yaml) when there are none. Shared by the policy
 * service and the CLI (which always names files, so it never loads the bundled text).
 */
export async function loadPolicy(paths: readonly string[] | undefined, baseDir: string, options: CompilePolicyOptions = {},
  defaultText?: { file: string; text: string }): Promise<LoadedPolicy> {
  if (!paths?.length) {
    if (!defaultText) throw new Error('no policy paths given');
    const { policy, diagnostics } = compilePolicy(parseYamlDocument(defaultText.text, defaultText.file), options);
    return { policy, files: [], diagnostics, embedded: true };
  }
  const found = await resolvePolicyFiles(paths, baseDir);
  const read = await readPolicyDocuments(found.files);
  const problems = [...found.diagnostics, ...read.diagnostics];
  const compiled = read.docs.length ? compilePolicy(read.docs, options) : { diagnostics: [] };
  const diagnostics = [...problems, ...compiled.diagnostics];
  const policy = problems.length || !read.docs.length ? undefined : compiled.policy;
  return { policy, files: found.files, diagnostics, embedded: false };
}
