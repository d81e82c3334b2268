import type { CompilePolicyOptions, MaskingCompileContext } from '../policy/compile-policy';
import { compileMaskingRules, MaskingRulesError, type CompileMaskingOptions } from './compile';
import { builtinDetectorNames } from './detectors';
import type { MaskingRules } from '../../generated/masking-rules';

/**
 * What the policy compiler needs from masking: the compiler for `spec.masking` (so a policy
 * snapshot carries its compiled masking and a bad masking rule is a policy error pinned to its
 * YAML node) and the detector names rules may use. Used by the gateway, the CLI and the extension.
 *
 * @example
 * compilePolicy(docs, { ...maskingPolicyHooks({ hashKey }) }).policy?.masking // => CompiledMasking
 */
export function maskingPolicyHooks(options: CompileMaskingOptions = {}): Pick<CompilePolicyOptions, 'compileMasking' | 'knownDetectors'> {
  return {
    knownDetectors: [...builtinDetectorNames, 'all'],
    compileMasking(rules: unknown[], ctx: MaskingCompileContext) {
      try {
        return compileMaskingRules(rules as MaskingRules, options);
      } catch (err) {
        if (!(err instanceof MaskingRulesError)) throw err;
        for (const e of err.errors) {
          // e.path is /<rule index>/<pointer inside the rule>
          const m = /^\/(\d+)(.*)$/.exec(e.path);
          ctx.report(m ? Number(m[1]) : 0, m ? m[2]! : e.path, e.message, 'ERR_POLICY_MASKING');
        }
        return undefined;
      }
    },
  };
}
