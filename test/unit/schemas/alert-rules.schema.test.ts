import assert from 'node:assert/strict';
import Ajv from 'ajv';
import alertSchema from '../../../schemas/alert-rules.schema.json';
import configSchema from '../../../schemas/gatehouse.config.schema.json';

/** Every property has a description, or is a $ref to a definition that has one (the editor shows them on hover). */
function undocumented(schema: unknown, defs: Record<string, { description?: string }>, at = '#'): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  if (s.properties && typeof s.properties === 'object') {
    for (const [k, v] of Object.entries(s.properties as Record<string, Record<string, unknown>>)) {
      const ref = typeof v.$ref === 'string' && v.$ref.startsWith('#/$defs/') ? defs[v.$ref.slice(8)] : undefined;
      if (!v.description && !ref?.description) out.push(`${at}/properties/${k}`);
      out.push(...undocumented(v, defs, `${at}/properties/${k}`));
    }
  }
  for (const key of ['oneOf', 'anyOf']) if (Array.isArray(s[key])) (s[key] as unknown[]).forEach((v, i) => out.push(...undocumented(v, defs, `${at}/${key}/${i}`)));
  if (s.items) out.push(...undocumented(s.items, defs, `${at}/items`));
  if (s.$defs) for (const [k, v] of Object.entries(s.$defs as Record<string, unknown>)) out.push(...undocumented(v, defs, `${at}/$defs/${k}`));
  return out;
}

describe('schemas/alert-rules.schema.json', () => {
  const validate = new Ajv({ allErrors: true, strict: true }).compile(alertSchema);

  it('documents every property', () => {
    assert.deepEqual(undocumented(alertSchema, alertSchema.$defs as Record<string, { description?: string }>), []);
  });

  it('documents every property of the approvals and alerts config sections', () => {
    const defs = configSchema.$defs as unknown as Record<string, { description?: string }>;
    for (const name of ['approvals', 'alerts', 'alertWebhook']) assert.deepEqual(undocumented(defs[name], defs, `#/$defs/${name}`), [], name);
  });

  const table: [string, unknown, boolean][] = [
    ['a denial burst', [{ id: 'burst', kind: 'denial_burst', threshold: 5, windowSeconds: 60, severity: 'high', cooldownSeconds: 600 }], true],
    ['restricted models', [{ id: 'r', kind: 'restricted_model', models: ['gpt-4o*'], decisions: ['deny'] }], true],
    ['volume by baseline', [{ id: 'v', kind: 'request_volume', factor: 5, baselineHalfLifeWindows: 10, warmupWindows: 5, minRequests: 20 }], true],
    ['failures', [{ id: 'a', kind: 'audit_failure' }, { id: 's', kind: 'sink_failure', sinks: ['splunk'] }, { id: 't', kind: 'approval_timeout', threshold: 2 }], true],
    ['restricted models need models', [{ id: 'r', kind: 'restricted_model' }], false],
    ['unknown kind', [{ id: 'x', kind: 'sometimes' }], false],
    ['unknown property', [{ id: 'x', kind: 'denial_burst', treshold: 5 }], false],
    ['bad severity', [{ id: 'x', kind: 'audit_failure', severity: 'urgent' }], false],
    ['factor must exceed 1', [{ id: 'x', kind: 'request_volume', factor: 1 }], false],
    ['id required', [{ kind: 'audit_failure' }], false],
  ];
  for (const [name, rules, ok] of table) {
    it(`${ok ? 'accepts' : 'refuses'} ${name}`, () => assert.equal(validate(rules), ok, JSON.stringify(validate.errors)));
  }
});
