import assert from 'node:assert/strict';
import Ajv from 'ajv';
import maskingSchema from '../../../schemas/masking-rules.schema.json';
import configSchema from '../../../schemas/gatehouse.config.schema.json';

/** The policy schema owns $defs/match; a stub stands in so this schema compiles on its own. */
function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema({ $id: 'https://gatehouse.dev/schemas/gatehouse.policy.schema.json', $defs: { match: { type: 'object' } } });
  return ajv.compile(maskingSchema);
}

/** Every property of every object schema has a description (the editor shows them on hover). */
function undocumented(schema: unknown, at = '#'): string[] {
  if (!schema || typeof schema !== 'object') return [];
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  if (s.properties && typeof s.properties === 'object') {
    for (const [k, v] of Object.entries(s.properties as Record<string, Record<string, unknown>>)) {
      if (!v.description && !v.$ref) out.push(`${at}/properties/${k}`);
      out.push(...undocumented(v, `${at}/properties/${k}`));
    }
  }
  for (const key of ['$defs', 'items']) {
    const sub = s[key];
    if (sub && typeof sub === 'object') {
      if (key === 'items') out.push(...undocumented(sub, `${at}/items`));
      else for (const [k, v] of Object.entries(sub as Record<string, unknown>)) out.push(...undocumented(v, `${at}/$defs/${k}`));
    }
  }
  return out;
}

describe('schemas/masking-rules.schema.json', () => {
  const validate = validator();
  const valid = [
    [],
    [{ name: 'pci', description: 'cards', match: { model: 'gpt-*' }, detectors: ['card', 'all', 'employee-id'], custom: [{ name: 'employee-id', pattern: 'E\\d{6}', confidence: 0.4, context: ['employee'] }], style: 'hash', where: ['upstream', 'client'] }],
    [{ name: 'patient', fields: [{ path: '$.metadata.patient_id', action: 'mask-whole' }, { path: '$.messages[*].content' }] }],
  ];
  const invalid: [string, unknown][] = [
    ['missing name', [{ detectors: ['card'] }]],
    ['unknown style', [{ name: 'a', style: 'blur' }]],
    ['unknown where', [{ name: 'a', where: ['logs'] }]],
    ['empty where', [{ name: 'a', where: [] }]],
    ['path without $', [{ name: 'a', fields: [{ path: 'messages' }] }]],
    ['unknown property', [{ name: 'a', detector: ['card'] }]],
    ['bad detector name', [{ name: 'a', detectors: ['Card Number'] }]],
    ['confidence over 1', [{ name: 'a', custom: [{ name: 'x', pattern: 'x', confidence: 2 }] }]],
  ];
  valid.forEach((v, i) => it(`accepts valid sample ${i}`, () => assert.ok(validate(v), JSON.stringify(validate.errors))));
  for (const [name, v] of invalid) it(`rejects ${name}`, () => assert.equal(validate(v), false));
  it('documents every property', () => assert.deepEqual(undocumented(maskingSchema), []));
  it('config $defs.masking documents every property', () => assert.deepEqual(undocumented((configSchema as { $defs: { masking: unknown } }).$defs.masking), []));
});
