import assert from 'node:assert/strict';
import type { MaskingRules } from '../../../../gateway/generated/masking-rules';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { maskJson } from '../../../../gateway/core/masking/mask-json';
import { auditSameAs } from '../../../../gateway/core/masking/same-copy';
import { createCorpus } from '../../../corpus/generator';

type Case = [string, MaskingRules, readonly string[] | undefined, boolean];

describe('core/masking auditSameAs', () => {
  const table: Case[] = [
    ['one upstream rule with every detector', [{ name: 'pii', detectors: ['all'], where: ['upstream'] }], undefined, true],
    ['no upstream rule', [{ name: 'pii', detectors: ['all'], where: ['client'] }], undefined, false],
    ['the default audit rule would mask more', [{ name: 'pci', detectors: ['card'], where: ['upstream'] }], undefined, false],
    ['the upstream rule accepts only high confidence', [{ name: 'pii', detectors: ['all'], where: ['upstream'], minConfidence: 0.9 }], undefined, false],
    ['a client-only rule is in the audit copy too', [{ name: 'c', detectors: ['email'], where: ['client'] }, { name: 'pii', detectors: ['all'], where: ['upstream'] }], undefined, false],
    ['the decision lists only the upstream rule', [{ name: 'c', detectors: ['email'], where: ['client'] }, { name: 'pii', detectors: ['all'], where: ['upstream'] }], ['pii'], true],
    ['a rule with field paths', [{ name: 'pii', detectors: ['all'], where: ['upstream'], fields: [{ path: '$.messages[*].content', action: 'detect' }] }], undefined, false],
    ['a custom detector in the upstream rule', [{ name: 'pii', detectors: ['all', 'ticket'], custom: [{ name: 'ticket', pattern: 'TCK-\\d{6}' }], where: ['upstream'] }], undefined, true],
  ];
  for (const [name, spec, names, want] of table) {
    it(`${name}: ${want}`, () => assert.equal(auditSameAs(compileMaskingRules(spec, { hashKey: 'k' }), 'upstream', names), want));
  }
  it('no default audit rule and the same rules: true', () => {
    assert.equal(auditSameAs(compileMaskingRules([{ name: 'pci', detectors: ['card'] }], { hashKey: 'k', auditDetectors: [] }), 'client', undefined), true);
  });

  it('where it says true, the audit copy equals the upstream copy on the corpus; where false, some body differs', () => {
    const same = compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['upstream'], style: 'hash' }], { hashKey: 'k' });
    const differs = compileMaskingRules([{ name: 'pci', detectors: ['card', 'email'], where: ['upstream'] }], { hashKey: 'k' });
    assert.equal(auditSameAs(same, 'upstream', undefined), true);
    assert.equal(auditSameAs(differs, 'upstream', undefined), false);
    let differing = 0;
    for (const item of createCorpus(99, 150)) {
      const a = maskJson(item.body, same, { where: 'audit' });
      const u = maskJson(item.body, same, { where: 'upstream' });
      assert.deepEqual(a.value, u.value);
      assert.deepEqual(a.report, u.report);
      if (JSON.stringify(maskJson(item.body, differs, { where: 'audit' }).value) !== JSON.stringify(maskJson(item.body, differs, { where: 'upstream' }).value)) differing++;
    }
    assert.ok(differing > 0);
  });
});
