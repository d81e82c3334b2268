/**
 * The policy engine's public surface, shared by the gateway, the CLI and the extension.
 *
 * @example
 * import { compilePolicy, evaluatePolicy } from '../core/policy';
 * const { policy } = compilePolicy(parseYamlDocument(text, file));
 * const decision = evaluatePolicy(policy!, principal, request);
 */
export { compilePolicy, durationSeconds, type CompilePolicyOptions, type CompilePolicyResult, type MaskingCompileContext } from './compile-policy';
export type { CompiledPolicy, CompiledRule, CompiledMaskingRule } from './compiled-policy';
export { evaluatePolicy, explainTrace, type EvaluateOptions } from './evaluate-policy';
export { runPolicyTests, testInput, defaultPathByEndpoint, type PolicyTestResult } from './run-policy-tests';
export { compileMatch, matchAll, explainMatch, type CompiledMatch, type MatchContext } from './match';
export { compileGlobs, globCovers, wildcardMatch } from '../glob';
export { compileSafeRegex, boundPromptText, defaultMaxPromptScanBytes } from './safe-regex';
export { matchCovers } from './match-covers';
export { policyVersion } from './policy-version';
