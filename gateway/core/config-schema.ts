import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import configSchema from '../../schemas/gatehouse.config.schema.json';

let validator: ValidateFunction | undefined;

/**
 * An Ajv instance set up as Gatehouse validates its documents: every error, formats, unknown
 * keywords (descriptions, `examples`) ignored. Register related schemas on the same instance so
 * cross-file $refs resolve.
 *
 * @example
 * const ajv = createAjv();
 * ajv.addSchema(auditRecordSchema);
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

/**
 * The validator of gatehouse.yaml, compiled once from schemas/gatehouse.config.schema.json (the
 * single source of truth). Used by the config loader, the extension's diagnostics and tests.
 *
 * @example
 * const validate = configValidator();
 * if (!validate(config)) console.error(validate.errors);
 */
export function configValidator(): ValidateFunction {
  validator ??= createAjv().compile(configSchema);
  return validator;
}
