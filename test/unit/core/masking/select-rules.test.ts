import assert from 'node:assert/strict';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { selectRules } from '../../../../gateway/core/masking/mask-text';

describe('core/masking selectRules', () => {
  const spec = [
    { name: 'pci', detectors: ['card'], where: ['upstream', 'client'] },
    { name: 'pii', detectors: ['email'], where: ['client'] },
    { name: 'keys', detectors: ['iban'], where: ['upstream'] },
  ] as const;
  const names = (rules: readonly { name: string }[]) => rules.map((r) => r.name);

  it('selects the named rules that mask this copy, in policy order, the default audit rule last', () => {
    const compiled = compileMaskingRules(structuredClone(spec) as never, { hashKey: 'k' });
    assert.deepEqual(names(selectRules(compiled, 'client', ['pii', 'pci'])), ['pci', 'pii']);
    assert.deepEqual(names(selectRules(compiled, 'upstream')), ['pci', 'keys']);
    assert.deepEqual(names(selectRules(compiled, 'audit', ['keys'])), ['keys', compiled.defaultAudit!.name]);
  });

  it("shares one frozen selection per frozen names list (a decision's masks), and per copy: a stream's masker keeps it for its life", () => {
    const compiled = compileMaskingRules(structuredClone(spec) as never, { hashKey: 'k' });
    const masks = Object.freeze(['pci', 'pii']);
    const first = selectRules(compiled, 'client', masks);
    assert.equal(selectRules(compiled, 'client', masks), first);
    assert.ok(Object.isFrozen(first));
    assert.deepEqual(names(first), ['pci', 'pii']);
    assert.deepEqual(names(selectRules(compiled, 'upstream', masks)), ['pci']);
    assert.equal(selectRules(compiled, 'upstream'), selectRules(compiled, 'upstream'));
    // A list that may still change is selected afresh each time.
    const open = ['pci'];
    const once = selectRules(compiled, 'client', open);
    open.push('pii');
    assert.deepEqual(names(selectRules(compiled, 'client', open)), ['pci', 'pii']);
    assert.deepEqual(names(once), ['pci']);
    // Another compiled masking (a policy reload) has selections of its own.
    const reloaded = compileMaskingRules(structuredClone(spec) as never, { hashKey: 'k' });
    assert.notEqual(selectRules(reloaded, 'client', masks), first);
  });
});
