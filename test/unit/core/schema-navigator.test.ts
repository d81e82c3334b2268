import * as assert from 'node:assert/strict';
import alertRulesSchema from '../../../schemas/alert-rules.schema.json';
import configSchema from '../../../schemas/gatehouse.config.schema.json';
import policySchema from '../../../schemas/gatehouse.policy.schema.json';
import maskingRulesSchema from '../../../schemas/masking-rules.schema.json';
import { createSchemaNavigator, type JsonSchema } from '../../../gateway/core/schema-navigator';

const policy = createSchemaNavigator(policySchema as JsonSchema, [maskingRulesSchema as JsonSchema, alertRulesSchema as JsonSchema]);

describe('schema navigator', () => {
  describe('on the real policy schema', () => {
    const cases: { path: (string | number)[]; props: string[] }[] = [
      { path: [], props: ['apiVersion', 'kind', 'metadata', 'spec', 'tests'] },
      { path: ['spec', 'rules', 0], props: ['id', 'description', 'match', 'action', 'limits', 'approval'] },
      // cross-file: spec.masking -> masking-rules.schema.json -> items -> #/$defs/rule
      { path: ['spec', 'masking', 3], props: ['name', 'description', 'match', 'detectors', 'fields', 'custom', 'style', 'where', 'minConfidence'] },
      // and back: masking rule match -> gatehouse.policy.schema.json#/$defs/match
      { path: ['spec', 'masking', 0, 'match'], props: ['principal', 'upstream', 'endpoints', 'methods', 'paths', 'models', 'stream', 'content'] },
    ];
    for (const c of cases) {
      it(`lists the properties at /${c.path.join('/')}`, () => {
        assert.deepEqual(policy.propertiesAt(c.path).map((p) => p.name), c.props);
      });
    }

    it('marks required properties and carries descriptions', () => {
      const rule = policy.propertiesAt(['spec', 'rules', 0]);
      assert.deepEqual(rule.filter((p) => p.required).map((p) => p.name), ['id', 'action']);
      assert.match(rule.find((p) => p.name === 'action')!.description!, /require_approval: hold/);
    });

    it('lists enum values, through array items and anyOf branches', () => {
      assert.deepEqual(policy.valuesAt(['spec', 'rules', 0, 'action']).map((v) => v.value), ['allow', 'deny', 'require_approval']);
      assert.ok(policy.valuesAt(['spec', 'rules', 0, 'match', 'endpoints']).some((v) => v.value === 'fine-tuning'));
      // detectorName is anyOf [enum, pattern]
      assert.ok(policy.valuesAt(['spec', 'masking', 0, 'detectors']).some((v) => v.value === 'iban'));
      assert.deepEqual(policy.valuesAt(['apiVersion']).map((v) => v.value), ['gatehouse.dev/v1']);
    });

    it('prefers the description written next to a $ref over the target’s', () => {
      assert.equal(policy.describe(['spec', 'masking']), 'Masking rules. Unlike rules, every masking rule whose match holds applies.');
      assert.equal(policy.describe(['spec', 'rules', 0, 'match', 'principal', 'subject']), 'The token\'s subject (sub), as glob(s).');
    });

    it('answers nothing for paths the schema does not have', () => {
      assert.deepEqual(policy.propertiesAt(['spec', 'nope']), []);
      assert.equal(policy.describe(['spec', 'rules', 0, 'bogus']), undefined);
    });
  });

  it('navigates the config schema (local $defs)', () => {
    const config = createSchemaNavigator(configSchema as JsonSchema);
    assert.deepEqual(config.propertiesAt(['policy']).map((p) => p.name), ['paths', 'watch', 'maxPromptScanBytes']);
    assert.ok(config.propertiesAt(['upstreams', 0]).some((p) => p.name === 'url'));
  });

  it('resolves oneOf, allOf, additionalProperties and a schema without $id', () => {
    const nav = createSchemaNavigator({
      $defs: { a: { type: 'object', properties: { x: { type: 'string', enum: ['1', '2'] } } } },
      type: 'object',
      properties: {
        one: { oneOf: [{ $ref: '#/$defs/a' }, { type: 'object', properties: { y: { const: 'k', description: 'why' } } }] },
        all: { allOf: [{ properties: { p: {} } }, { properties: { q: {} }, required: ['q'] }] },
        map: { type: 'object', additionalProperties: { $ref: '#/$defs/a' } },
        flag: { type: 'boolean' },
      },
    });
    assert.deepEqual(nav.propertiesAt(['one']).map((p) => p.name), ['x', 'y']);
    assert.deepEqual(nav.valuesAt(['one', 'y']), [{ value: 'k', description: 'why' }]);
    assert.deepEqual(nav.propertiesAt(['all']).map((p) => [p.name, p.required]), [['p', false], ['q', true]]);
    assert.deepEqual(nav.valuesAt(['map', 'anything', 'x']).map((v) => v.value), ['1', '2']);
    assert.deepEqual(nav.valuesAt(['flag']).map((v) => v.value), [true, false]);
  });

  it('survives a $ref cycle', () => {
    const nav = createSchemaNavigator({ $defs: { n: { $ref: '#/$defs/n' } }, properties: { a: { $ref: '#/$defs/n' } } });
    assert.deepEqual(nav.propertiesAt(['a']), []);
  });
});
