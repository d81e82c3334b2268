import assert from 'node:assert/strict';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { maskJson } from '../../../../gateway/core/masking/mask-json';
import { maskText, selectRules } from '../../../../gateway/core/masking/mask-text';
import { SseMasker } from '../../../../gateway/core/masking/sse-masker';
import { StreamTextMasker } from '../../../../gateway/core/masking/stream-text-masker';
import { contextWords, memberNames, ValueContext } from '../../../../gateway/core/masking/value-context';

const all = compileMaskingRules([{ name: 'all', detectors: ['all'] }], { hashKey: 'k', auditDetectors: [] });
const awsSecret = 'rUKiVb7qD9yC0S3Wj2xLm4NpQ8tZa5HfE1oGk6Rs';

describe('core/masking value context', () => {
  const words: [string, string][] = [
    ['socialSecurityNumber', 'social Security Number'],
    ['AWS_SECRET_ACCESS_KEY', 'AWS SECRET ACCESS KEY'],
    ['SSNValue', 'SSN Value'],
    ['phone_number', 'phone number'],
    ['x-api-key', 'x-api-key'],
    ['customer phoneNumbers', 'customer phone Numbers'],
    ['plain words', 'plain words'],
  ];
  for (const [text, want] of words) it(`contextWords(${JSON.stringify(text)}) → ${JSON.stringify(want)}`, () => assert.equal(contextWords(text), want));

  it('memberNames keeps keys, not indexes', () => assert.equal(memberNames(['customers', 0, 'billing', 'card_number']), 'customers billing card_number'));

  it('looks before the value back to a boundary, and in the names of its own string', () => {
    const text = 'my ssn\u0000is 876729346\u0000x';
    const ctx = new ValueContext(text, [0, 7, 21], (i) => ['', 'customer', 'ssn'][i]);
    assert.equal(ctx.has(/\bssn\b/i, 10), false, 'the previous string is not context');
    assert.equal(ctx.has(/\bcustomer\b/i, 10), true, 'its own member names are');
    assert.equal(ctx.has(/\bssn\b/i, 21), true);
    assert.equal(ctx.has(/\bssn\b/i, 10, /\bnothing\b/), false, 'names are judged by nameWords');
  });
});

describe('core/masking member names are context', () => {
  // Issue 16, defect 3: the same values inside a sentence were masked, under a key they were not.
  it('issue 16: {"ssn", "phone", "aws_secret_access_key"} are masked by their keys', () => {
    const r = maskJson({ ssn: '876729346', phone: '040 6393551', aws_secret_access_key: awsSecret }, all, { where: 'upstream' });
    assert.deepEqual(r.value, { ssn: '[REDACTED:SSN]', phone: '[REDACTED:PHONE]', aws_secret_access_key: '[REDACTED:AWS-KEY]' });
  });

  /** [body, the value that must be masked, its detector] */
  const named: [unknown, string, string][] = [
    [{ customer: { phone: '040 6393551' } }, '040 6393551', 'phone'],
    [{ customer: { contact: { mobile: '030 1234 5678' } } }, '030 1234 5678', 'phone'],
    [{ phone_number: '020 7946 0958' }, '020 7946 0958', 'phone'],
    [{ phoneNumber: '020 7946 0958' }, '020 7946 0958', 'phone'],
    [{ 'phone-number': '020 7946 0958' }, '020 7946 0958', 'phone'],
    [{ tel: '040 6393551' }, '040 6393551', 'phone'],
    [{ phones: ['040 6393551', '030 1234 5678'] }, '030 1234 5678', 'phone'],
    [{ SSN: '876729346' }, '876729346', 'ssn'],
    [{ socialSecurityNumber: '876 72 9346' }, '876 72 9346', 'ssn'],
    [{ applicant: { social_security_number: '876729346' } }, '876729346', 'ssn'],
    [{ taxpayerId: '876729346' }, '876729346', 'ssn'],
    [{ secretAccessKey: awsSecret }, awsSecret, 'aws-key'],
    [{ credentials: { AWS_SECRET_ACCESS_KEY: awsSecret } }, awsSecret, 'aws-key'],
    [{ aws: { secret: ` ${awsSecret} ` } }, awsSecret, 'aws-key'],
    [{ billing: { card_number: '4111 1111 1111 1111' } }, '4111 1111 1111 1111', 'card'],
  ];
  for (const [body, value, detector] of named) {
    it(`${JSON.stringify(body)}: ${detector} masked by the batched scan and by the walk of field rules`, () => {
      for (const compiled of [all, compileMaskingRules([{ name: 'f', detectors: ['all'], fields: [{ path: '$', action: 'detect' }] }], { hashKey: 'k', auditDetectors: [] })]) {
        const r = maskJson(body, compiled, { where: 'upstream' });
        assert.ok(!JSON.stringify(r.value).includes(value), JSON.stringify(r.value));
        assert.ok(r.spans.some((s) => s.detector === detector), JSON.stringify(r.spans));
      }
    });
  }

  it('the member names of a custom detector count as its context words too', () => {
    const c = compileMaskingRules([{ name: 'emp', detectors: ['employee-id'], custom: [{ name: 'employee-id', pattern: 'E\\d{6}', confidence: 0.3, context: ['employee'] }] }], { hashKey: 'k', auditDetectors: [] });
    assert.deepEqual(maskJson({ employee: { id: 'E123456' }, part: 'E123456' }, c, { where: 'upstream' }).value, { employee: { id: '[REDACTED:EMPLOYEE-ID]' }, part: 'E123456' });
  });

  it('names that say nothing about a value give it no context (tool_calls, order_number, content)', () => {
    // Values detectable only with context: bare SSNs and phone numbers written as bare digits
    // (a German number in its national layout, 030 1234 5678, is a phone on its own).
    const body = { tool_calls: [{ id: 'call_1', order: '0406393551' }], order_number: '876729346', messages: [{ content: 'ref 876729346' }], invoice: { number: '03012345678' } };
    assert.equal(maskJson(body, all, { where: 'upstream' }).changed, false);
  });

  it('maskText at a path, the stream masker of a slot, and streamed JSON text use the names too', () => {
    assert.equal(maskText('876729346', all, { where: 'upstream', path: '$.customer.ssn' }).value, '[REDACTED:SSN]');
    assert.equal(maskText('876729346', all, { where: 'upstream' }).value, '876729346');
    const rules = selectRules(all, 'upstream');
    const m = new StreamTextMasker(all, { rules, path: "$.customer['phone number']" });
    assert.equal(m.push('040 63') + m.push('93551') + m.end(), '[REDACTED:PHONE]');
  });

  it('tool-call arguments streamed as JSON: the keys in the text name the values, at every cut', () => {
    const args = `{"socialSecurityNumber":"876729346","phone_number":"040 6393551","secretAccessKey":"${awsSecret}"}`;
    const client = compileMaskingRules([{ name: 'all', detectors: ['all'], where: ['client'] }], { hashKey: 'k', auditDetectors: [] });
    const chunk = (a: string | null, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: a === null ? {} : { tool_calls: [{ index: 0, function: { arguments: a } }] }, finish_reason: finish }] })}\n\n`;
    for (let cut = 0; cut <= args.length; cut++) {
      const sse = new SseMasker(client, { rules: selectRules(client, 'client') });
      const out = sse.push(chunk(args.slice(0, cut)) + chunk(args.slice(cut))) + sse.push(chunk(null, 'tool_calls')) + sse.end();
      let streamed = '';
      for (const line of out.split('\n')) {
        if (!line.startsWith('data: {')) continue;
        for (const c of JSON.parse(line.slice(6)).choices) streamed += c.delta?.tool_calls?.[0]?.function?.arguments ?? '';
      }
      assert.equal(streamed, '{"socialSecurityNumber":"[REDACTED:SSN]","phone_number":"[REDACTED:PHONE]","secretAccessKey":"[REDACTED:AWS-KEY]"}', `cut at ${cut}`);
    }
  });
});
