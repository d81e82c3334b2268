import assert from 'node:assert/strict';
import { maskEachString } from '../../../builders/mask-each-string';
import { compileMaskingRules, MaskingRulesError } from '../../../../gateway/core/masking/compile';
import { formatPath, matchPath, parseJsonPath } from '../../../../gateway/core/masking/json-path';
import { maskedParts, maskJson } from '../../../../gateway/core/masking/mask-json';
import { maskText } from '../../../../gateway/core/masking/mask-text';
import { previewMasking } from '../../../../gateway/core/masking/preview';
import { replacement } from '../../../../gateway/core/masking/styles';
import { createCorpus } from '../../../corpus/generator';

describe('core/masking json paths', () => {
  const table: [string, (string | number)[], 'exact' | 'under' | false][] = [
    ['$.messages[*].content', ['messages', 3, 'content'], 'exact'],
    ['$.messages[1].content', ['messages', 3, 'content'], false],
    ['$.metadata', ['metadata', 'patient', 'name'], 'under'],
    ['$.metadata.patient_id', ['metadata', 'patient_id'], 'exact'],
    ["$['odd key'].x", ['odd key', 'x'], 'exact'],
    ['$..patient_id', ['a', 0, 'b', 'patient_id'], 'exact'],
    ['$.input[*]', ['input', 0], 'exact'],
    ['$.*.content', ['x', 'content'], 'exact'],
    ['$.input', ['model'], false],
  ];
  for (const [path, concrete, expected] of table) {
    it(`${path} vs ${formatPath(concrete)} → ${expected}`, () => assert.equal(matchPath(parseJsonPath(path), concrete), expected));
  }
  it('rejects bad paths', () => {
    for (const bad of ['messages', '$.a[', '$..', '$.a[x]']) assert.throws(() => parseJsonPath(bad), Error, bad);
  });
});

describe('core/masking maskJson', () => {
  const body = {
    model: 'gpt-4o',
    messages: [{ role: 'system', content: 'mail ops@example.com' }, { role: 'user', content: 'card 4111 1111 1111 1111' }],
    metadata: { patient_id: 'P-12345', note: 'call +14155552671' },
  };

  it('masks only the copies a rule names, and audit always', () => {
    const c = compileMaskingRules([{ name: 'pci', detectors: ['card'], where: ['upstream'] }], { hashKey: 'k', auditDetectors: [] });
    assert.equal(maskJson(body, c, { where: 'upstream' }).value.messages[1].content, 'card [REDACTED:CARD]');
    assert.equal(maskJson(body, c, { where: 'client' }).changed, false);
    assert.equal(maskJson(body, c, { where: 'audit' }).value.messages[1].content, 'card [REDACTED:CARD]');
  });

  it('applies only the rules the decision lists', () => {
    const c = compileMaskingRules([{ name: 'pci', detectors: ['card'] }, { name: 'mail', detectors: ['email'] }], { hashKey: 'k', auditDetectors: [] });
    const r = maskJson(body, c, { where: 'upstream', ruleNames: ['mail'] });
    assert.equal(r.value.messages[0].content, 'mail [REDACTED:EMAIL]');
    assert.equal(r.value.messages[1].content, 'card 4111 1111 1111 1111');
  });

  it('field rules: mask-whole and detect-only-here', () => {
    const c = compileMaskingRules([
      { name: 'patient', fields: [{ path: '$.metadata.patient_id', action: 'mask-whole' }] },
      { name: 'phones', detectors: ['phone', 'email'], fields: [{ path: '$.metadata', action: 'detect' }] },
    ], { hashKey: 'k', auditDetectors: [] });
    const r = maskJson(body, c, { where: 'upstream' });
    assert.equal(r.value.metadata.patient_id, '[REDACTED:FIELD]');
    assert.equal(r.value.metadata.note, 'call [REDACTED:PHONE]');
    assert.equal(r.value.messages[0].content, 'mail ops@example.com', 'email detection is limited to $.metadata');
    assert.deepEqual(r.report.map((e) => [e.rule, e.detector, e.path, e.count]), [
      ['patient', 'field', '$.metadata.patient_id', 1], ['phones', 'phone', '$.metadata.note', 1],
    ]);
  });

  it('is copy-on-write: the input is untouched and unchanged subtrees are shared', () => {
    const c = compileMaskingRules([{ name: 'pci', detectors: ['card'] }], { hashKey: 'k', auditDetectors: [] });
    const before = JSON.stringify(body);
    const r = maskJson(body, c, { where: 'upstream' });
    assert.equal(JSON.stringify(body), before);
    assert.equal(r.value.metadata, body.metadata);
    assert.equal(r.value.messages[0], body.messages[0]);
    assert.notEqual(r.value.messages[1], body.messages[1]);
  });

  it('spans carry rule, detector, path and offsets into the original string', () => {
    const c = compileMaskingRules([{ name: 'pci', detectors: ['card'] }], { hashKey: 'k', auditDetectors: [] });
    assert.deepEqual(maskJson(body, c, { where: 'upstream' }).spans, [
      { rule: 'pci', detector: 'card', path: '$.messages[1].content', start: 5, end: 24, confidence: 0.95 },
    ]);
  });

  it('masks card numbers sent as JSON numbers and inside JSON-encoded tool arguments', () => {
    const c = compileMaskingRules([{ name: 'pii', detectors: ['card', 'email'] }], { hashKey: 'k', auditDetectors: [] });
    const r = maskJson({ n: 4111111111111111, args: JSON.stringify({ email: 'a@example.org', card: '4111 1111 1111 1111' }) }, c, { where: 'upstream' });
    assert.equal(r.value.n, '[REDACTED:CARD]');
    assert.deepEqual(JSON.parse(r.value.args as string), { email: '[REDACTED:EMAIL]', card: '[REDACTED:CARD]' });
  });

  it('the default audit masking applies to the audit copy only', () => {
    const c = compileMaskingRules([], { hashKey: 'k' });
    assert.equal(maskJson(body, c, { where: 'audit' }).value.messages[0].content, 'mail [REDACTED:EMAIL]');
    assert.equal(maskJson(body, c, { where: 'upstream' }).changed, false);
  });
});

describe('core/masking maskJson batched scan', () => {
  // With rules that detect everywhere, maskJson scans all strings joined by a NUL in one pass.
  // It must mask exactly as masking each string on its own (at its path) does.
  const setups: [string, ReturnType<typeof compileMaskingRules>][] = [
    ['default audit (all detectors)', compileMaskingRules([], { hashKey: 'k' })],
    ['low confidence (0.2) kept', compileMaskingRules([{ name: 'low', detectors: ['all'], minConfidence: 0.2 }], { hashKey: 'k', auditDetectors: [] })],
    ['a rule with a custom detector', compileMaskingRules([{ name: 'ids', detectors: ['email'], custom: [{ name: 'order', pattern: 'ORD-\\d{4}-\\d{6}', confidence: 0.9 }] }], { hashKey: 'k' })],
  ];
  // Context words in one string must not count for the next: crafted pairs first, then the corpus.
  const crossing = [
    { a: 'my ssn is', b: '123456789', c: 'phone', d: '555-2671 0123' },
    { note: 'AWS secret access key', k: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', n: 4111111111111111 },
  ];
  const bodies = [...crossing, ...createCorpus(424242, 150).map((c) => c.body)];
  for (const [name, compiled] of setups) {
    it(`${name}: equal to per-string masking on ${bodies.length} bodies`, () => {
      let masked = 0;
      for (const body of bodies) {
        const r = maskJson(body, compiled, { where: 'audit' });
        assert.deepEqual(r.value, maskEachString(body, (s, path) => maskText(s, compiled, { where: 'audit', path }).value));
        masked += r.spans.length;
      }
      assert.ok(masked > bodies.length, `the corpus plants values (${masked} masked)`);
    });
  }
});

describe('core/masking maskJson: long masked strings as their pieces (maskedParts)', () => {
  const compiled = compileMaskingRules([], { hashKey: 'k' });
  const long = 'notes, mail jane@example.com or call +1 415 555 0100.\n'.repeat(2_000);
  const body = { model: 'm', messages: [{ role: 'system', content: 'mail a@b.io' }, { role: 'user', content: long }] };

  it('gives the pieces of a long masked string, which join to it; none for a short one, the input or an unmasked one', () => {
    const r = maskJson(body, compiled, { where: 'audit' });
    const messages = (r.value as typeof body).messages;
    const pieces = maskedParts(messages[1], 'content');
    assert.ok(pieces && pieces.length > 2, 'pieces of the long string');
    assert.equal(pieces.join(''), messages[1].content);
    assert.equal(messages[1].content, maskText(long, compiled, { where: 'audit', path: '$.messages[1].content' }).value);
    assert.ok(!pieces.join('').includes('jane@example.com'));
    assert.equal(maskedParts(messages[0], 'content'), undefined);
    assert.equal(maskedParts(body.messages[1], 'content'), undefined);
    const clean = maskJson({ messages: [{ content: 'no values here at all. '.repeat(4_000) }] }, compiled, { where: 'audit' });
    assert.equal(clean.changed, false);
    assert.equal(maskedParts((clean.value as { messages: object[] }).messages[0], 'content'), undefined);
  });

  it('gives none once the member holds another string', () => {
    const r = maskJson(body, compiled, { where: 'audit' });
    const message = (r.value as typeof body).messages[1];
    message.content = 'replaced';
    assert.equal(maskedParts(message, 'content'), undefined);
  });
});

describe('core/masking styles', () => {
  const table: [Parameters<typeof replacement>[0], string, string, string][] = [
    ['placeholder', 'card', '4111 1111 1111 1111', '[REDACTED:CARD]'],
    ['partial', 'card', '4111 1111 1111 1111', '**** **** **** 1111'],
    ['partial', 'ssn', '123-45-6789', '***-**-6789'],
    ['partial', 'email', 'ab@x.io', '[REDACTED:EMAIL]'],
    ['partial', 'aws-key', 'AKIAIOSFODNN7EXAMPLE', '****************MPLE'],
  ];
  for (const [style, detector, value, expected] of table) {
    it(`${style} ${detector} → ${expected}`, () => assert.equal(replacement(style, detector, value, 'k'), expected));
  }
  it('hash: keyed, stable, format-insensitive, and different per key', () => {
    const a = replacement('hash', 'card', '4111 1111 1111 1111', 'key-1');
    assert.match(a, /^\[CARD:[0-9a-f]{8}\]$/);
    assert.equal(replacement('hash', 'card', '4111-1111-1111-1111', 'key-1'), a);
    assert.notEqual(replacement('hash', 'card', '4111 1111 1111 1111', 'key-2'), a);
    assert.notEqual(replacement('hash', 'card', '5555 5555 5555 4444', 'key-1'), a);
    assert.equal(replacement('hash', 'email', 'A@Example.com', 'key-1'), replacement('hash', 'email', 'a@example.com', 'key-1'));
  });
  it('hash through maskText: equal values give equal tokens', () => {
    const c = compileMaskingRules([{ name: 'pii', detectors: ['email'], style: 'hash' }], { hashKey: 'k', auditDetectors: [] });
    const v = maskText('a@b.io and a@b.io and c@d.io', c, { where: 'upstream' }).value;
    const tokens = v.match(/\[EMAIL:[0-9a-f]{8}\]/g)!;
    assert.equal(tokens.length, 3);
    assert.equal(tokens[0], tokens[1]);
    assert.notEqual(tokens[0], tokens[2]);
  });
});

describe('core/masking compile', () => {
  it('refuses backtracking (lookbehind), broken and empty-matching custom patterns, unknown detectors and duplicates', () => {
    try {
      compileMaskingRules([
        { name: 'a', custom: [{ name: 'evil', pattern: '(?<=key=)\\w+' }, { name: 'broken', pattern: '(' }, { name: 'empty', pattern: 'x*' }] },
        { name: 'a', detectors: ['card'] },
        { name: 'b', detectors: ['nope'], fields: [{ path: 'messages' }] },
      ]);
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof MaskingRulesError);
      assert.deepEqual(err.errors.map((e) => e.path), ['/0/custom/0/pattern', '/0/custom/1/pattern', '/0/custom/2/pattern', '/1/name', '/2/detectors/0', '/2/fields/0/path']);
    }
  });
  it('custom detectors with context and confidence', () => {
    const c = compileMaskingRules([{ name: 'emp', detectors: ['employee-id'], custom: [{ name: 'employee-id', pattern: 'E\\d{6}', confidence: 0.3, context: ['employee'] }] }], { hashKey: 'k', auditDetectors: [] });
    assert.equal(maskText('employee E123456', c, { where: 'upstream' }).value, 'employee [REDACTED:EMPLOYEE-ID]');
    assert.equal(maskText('part E123456', c, { where: 'upstream' }).value, 'part E123456');
  });
  it('previewMasking returns errors instead of throwing', () => {
    const r = previewMasking([{ name: 'x', detectors: ['bogus'] }], '{}');
    assert.equal(r.ok, false);
  });
});
