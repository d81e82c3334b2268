import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import configSchema from '../../schemas/gatehouse.config.schema.json';

/**
 * The config validator, compiled once from the schema (the single source of truth).
 * Extra schemas (policy, masking rules, alert rules, audit record) register on the same Ajv
 * instance so cross-file $refs resolve.
 */
let validator: ValidateFunction | undefined;

export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

export function configValidator(): ValidateFunction {
  validator ??= createAjv().compile(configSchema);
  return validator;
}
