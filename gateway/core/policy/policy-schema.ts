import Ajv, { type ValidateFunction } from 'ajv';
import policySchema from '../../../schemas/gatehouse.policy.schema.json';
import maskingRulesSchema from '../../../schemas/masking-rules.schema.json';
import alertRulesSchema from '../../../schemas/alert-rules.schema.json';

let validator: ValidateFunction | undefined;
let ajv: Ajv | undefined;

/**
 * The compiled validator for policy files (schemas/gatehouse.policy.schema.json with the masking
 * and alert rule schemas it references). Compiled once, on first use.
 *
 * @example
 * const errors = schemaDiagnostics(doc, policyValidator());
 */
export function policyValidator(): ValidateFunction {
  if (validator) return validator;
  ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema(maskingRulesSchema as object);
  ajv.addSchema(alertRulesSchema as object);
  validator = ajv.compile(policySchema as object);
  return validator;
}

/**
 * The validator for a masking rule list alone (`spec.masking`), from the same schemas as
 * policyValidator (so the rules' `match` is the policy's).
 *
 * @example
 * maskingRulesValidator()([{ name: 'pii', detectors: ['email'] }]) // => true
 */
export function maskingRulesValidator(): ValidateFunction {
  policyValidator();
  return ajv!.getSchema((maskingRulesSchema as { $id: string }).$id)!;
}
