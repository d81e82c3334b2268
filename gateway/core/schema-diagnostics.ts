import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostics';
import type { YamlDocument } from './yaml-document';

/**
 * Runs a compiled JSON Schema validator over a parsed YAML document (or the part of it at `at`,
 * a JSON pointer) and pins each error to its node.
 * Ajv's errors for `oneOf`/`anyOf` branches are noisy; only the most specific ones are kept.
 *
 * @example
 * const doc = parseYamlDocument(text, 'gatehouse.yaml');
 * const errors = [...doc.syntaxErrors, ...schemaDiagnostics(doc, validateConfig)];
 * schemaDiagnostics(policyDoc, maskingRulesValidator(), { at: '/spec/masking', value: rules });
 */
export function schemaDiagnostics(doc: YamlDocument, validate: ValidateFunction, part: { at: string; value: unknown } = { at: '', value: doc.value ?? {} }): Diagnostic[] {
  if (doc.syntaxErrors.some((d) => d.severity === 'error')) return [];
  if (validate(part.value)) return [];
  const errors = pruneCombinatorNoise(validate.errors ?? []);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const pointer = part.at + (e.keyword === 'additionalProperties'
      ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)}`
      : e.instancePath);
    const message = describe(e);
    const key = `${pointer}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(doc.diagnostic(pointer, message, 'error', 'ERR_SCHEMA_' + e.keyword.toUpperCase(), e.keyword === 'additionalProperties'));
  }
  return out;
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown property "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'required':
      return `missing required property "${String((e.params as { missingProperty: string }).missingProperty)}"`;
    default:
      return e.message ?? e.keyword;
  }
}

/** Drops the summary errors of oneOf/anyOf when a deeper error explains the same value. */
function pruneCombinatorNoise(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  return specific.length ? specific : errors;
}
