import * as assert from 'node:assert/strict';
import { previewMasking } from '../../../../gateway/core/masking';
import { alignReplacements, renderMaskedJson, renderMaskedText } from '../../../../extension/webview/masked-rendering';

const span = (path: string, start: number, end: number, rule = 'pii', detector = 'email') => ({ rule, detector, path, start, end, confidence: 0.9 });

/** The highlighted texts, as `rule/detector=text`. */
const marked = (r: { text: string; highlights: { start: number; end: number; rule: string; detector: string }[] }) =>
  r.highlights.map((h) => `${h.rule}/${h.detector}=${r.text.slice(h.start, h.end)}`);

describe('masked rendering', () => {
  it('places a placeholder span in pretty-printed JSON', () => {
    const r = renderMaskedJson({ a: 'mail x@y.io' }, { a: 'mail [REDACTED:EMAIL]' }, [span('$.a', 5, 11)]);
    assert.equal(r.text, JSON.stringify({ a: 'mail [REDACTED:EMAIL]' }, null, 2));
    assert.deepEqual(marked(r), ['pii/email=[REDACTED:EMAIL]']);
  });

  it('keeps offsets right through JSON escapes and several spans', () => {
    const original = { m: [{ content: 'a\n"b" x@y.io and 4111 1111 1111 1111' }] };
    const masked = { m: [{ content: 'a\n"b" [REDACTED:EMAIL] and **** **** **** 1111' }] };
    const r = renderMaskedJson(original, masked, [span('$.m[0].content', 6, 12), span('$.m[0].content', 17, 36, 'pci', 'card')]);
    assert.equal(r.text, JSON.stringify(masked, null, 2));
    assert.deepEqual(marked(r), ['pii/email=[REDACTED:EMAIL]', 'pci/card=**** **** **** 1111']);
  });

  it('marks a whole masked field (mask-whole, non-string values)', () => {
    const r = renderMaskedJson({ meta: { id: 12345 } }, { meta: { id: '[REDACTED:FIELD]' } }, [span('$.meta.id', 0, 0, 'ids', 'field')]);
    assert.deepEqual(marked(r), ['ids/field=[REDACTED:FIELD]']);
  });

  it('matches the real masking core end to end', () => {
    const sample = { messages: [{ role: 'user', content: 'write to jane@example.com or +1 415 555 0100, card 4111111111111111' }], n: [], o: {} };
    const r = previewMasking([{ name: 'pii', detectors: ['email', 'phone'] }, { name: 'pci', detectors: ['card'], style: 'partial' }], sample, { where: 'upstream' });
    assert.ok(r.ok);
    const out = renderMaskedJson(sample, r.masked, r.spans);
    assert.equal(out.text, JSON.stringify(r.masked, null, 2));
    assert.deepEqual(marked(out), ['pii/email=[REDACTED:EMAIL]', 'pii/phone=[REDACTED:PHONE]', 'pci/card=************1111']);
  });

  it('free text', () => {
    const r = renderMaskedText('mail x@y.io now', 'mail [REDACTED:EMAIL] now', [span('$', 5, 11)]);
    assert.deepEqual(r.highlights, [{ start: 5, end: 21, rule: 'pii', detector: 'email', path: '$' }]);
  });

  it('alignReplacements gives up when the masked text does not fit the spans', () => {
    assert.equal(alignReplacements('abc x@y.io', 'zzz [REDACTED:EMAIL]', [span('$', 4, 10)]), undefined);
    assert.equal(alignReplacements('abc x@y.io', 'abc [REDACTED:EMAIL] extra', [span('$', 4, 10)]), undefined);
  });
});
