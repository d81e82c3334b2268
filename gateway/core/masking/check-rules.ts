import type { Diagnostic } from '../diagnostics';
import { maskingRulesValidator } from '../policy/policy-schema';
import { schemaDiagnostics } from '../schema-diagnostics';
import type { YamlDocument } from '../yaml-document';
import type { MaskingRules } from '../../generated/masking-rules';
import { compileMaskingRules, MaskingRulesError } from './compile';

/**
 * Checks the masking rules at `pointer` of a policy YAML document, as the policy compiler checks
 * them inside a whole policy: the schema (masking-rules.schema.json), then the compiler (detector
 * names, custom patterns that could backtrack, ...). Each problem is pinned to its YAML node.
 * For `gatehouse mask preview`, which takes a file whose masking rules may stand alone.
 *
 * @example
 * const doc = parseYamlDocument(text, 'team.policy.yaml');
 * checkMaskingRules(doc, '/spec/masking', (doc.value as any).spec.masking)
 * // => [{ file: 'team.policy.yaml', line: 7, path: '/spec/masking/0/custom/0/pattern', message: 'pattern could backtrack catastrophically', ... }]
 */
export function checkMaskingRules(doc: YamlDocument, pointer: string, rules: unknown): Diagnostic[] {
  const schemaErrors = schemaDiagnostics(doc, maskingRulesValidator(), { at: pointer, value: rules });
  if (schemaErrors.length) return schemaErrors;
  try {
    compileMaskingRules(rules as MaskingRules);
    return [];
  } catch (err) {
    if (!(err instanceof MaskingRulesError)) throw err;
    return err.errors.map((e) => doc.diagnostic(pointer + e.path, e.message, 'error', err.code));
  }
}
