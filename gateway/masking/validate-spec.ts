import Ajv, { type ValidateFunction } from 'ajv';
import maskingSchema from '../../schemas/masking-rules.schema.json';
import type { Diagnostic } from '../core/diagnostics';
import type { YamlDocument } from '../core/yaml-document';
import type { MaskingRules } from '../generated/masking-rules';
import { compileMaskingRules, MaskingRulesError } from '../core/masking/compile';

let validate: ValidateFunction | undefined;

/**
 * Schema-validates and compiles the masking rules found at `pointer` of a policy YAML document,
 * returning pinned diagnostics. Used by `gatehouse mask preview` until the policy loader (which
 * validates the whole policy) is available to it.
 */
export function checkMaskingSpec(doc: YamlDocument, pointer: string, spec: unknown): Diagnostic[] {
  validate ??= compileValidator();
  if (!validate(spec)) {
    return (validate.errors ?? [])
      .filter((e) => e.keyword !== 'anyOf')
      .map((e) => {
        const extra = e.keyword === 'additionalProperties' ? `/${String((e.params as { additionalProperty: string }).additionalProperty)}` : '';
        const message = e.keyword === 'additionalProperties' ? `unknown property "${String((e.params as { additionalProperty: string }).additionalProperty)}"` : e.message ?? e.keyword;
        return doc.diagnostic(pointer + e.instancePath + extra, message, 'error', 'ERR_SCHEMA_' + e.keyword.toUpperCase());
      });
  }
  try {
    compileMaskingRules(spec as MaskingRules);
    return [];
  } catch (err) {
    if (!(err instanceof MaskingRulesError)) throw err;
    return err.errors.map((e) => doc.diagnostic(pointer + e.path, e.message, 'error', err.code));
  }
}

function compileValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The policy schema defines the shared `match`; masking only needs it to be an object here.
  ajv.addSchema({ $id: 'https://gatehouse.dev/schemas/gatehouse.policy.schema.json', $defs: { match: { type: 'object' } } });
  return ajv.compile(maskingSchema);
}
