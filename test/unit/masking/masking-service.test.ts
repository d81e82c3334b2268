import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileMaskingRules } from '../../../gateway/core/masking/compile';
import { silentLogger } from '../../../gateway/log';
import { parseConfigText } from '../../../gateway/config/load-config';
import { maskText } from '../../../gateway/core/masking/mask-text';
import { createMaskingService, maskingCompileOptions } from '../../../gateway/masking/masking-service';

const compiled = compileMaskingRules([
  { name: 'pci', detectors: ['card'], where: ['upstream', 'client'] },
  { name: 'contacts', detectors: ['email'], where: ['audit'] },
  { name: 'patient', fields: [{ path: '$.metadata.patient_id', action: 'mask-whole' }], where: ['upstream'], style: 'hash' },
], { hashKey: 'test', auditDetectors: ['secret'] });

/** The masking service's input for a JSON request body under the decision's masks. */
function input(json: unknown, masks: string[]) {
  return { masks, body: Buffer.from(JSON.stringify(json)), json };
}

/** Runs `run` and reports the longest text any JSON.stringify call made meanwhile. */
function longestSerialization<T>(run: () => T): { result: T; longest: number } {
  let longest = 0;
  const stringify = JSON.stringify;
  JSON.stringify = ((...args: Parameters<typeof JSON.stringify>) => {
    const out = stringify(...args);
    longest = Math.max(longest, out?.length ?? 0);
    return out;
  }) as typeof JSON.stringify;
  try {
    return { result: run(), longest };
  } finally {
    JSON.stringify = stringify;
  }
}

describe('gateway/masking service', () => {
  const service = createMaskingService({ maxAuditBodyBytes: 4096 }, { getCompiled: () => compiled, log: silentLogger });
  const request = {
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'card 4111 1111 1111 1111, mail a@b.io, key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234' }],
    metadata: { patient_id: 'P-77' },
  };

  it('maskRequest: audit copy masked by every listed rule plus the default audit masking; upstream only by upstream rules', () => {
    const masked = service.maskRequest(input(request, ['pci', 'contacts', 'patient']));
    const audit = masked.auditBody as typeof request;
    assert.equal(audit.messages[0].content, 'card [REDACTED:CARD], mail [REDACTED:EMAIL], key [REDACTED:API-KEY]');
    const upstream = JSON.parse(masked.upstreamBody!.toString());
    assert.equal(upstream.messages[0].content, 'card [REDACTED:CARD], mail a@b.io, key sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234');
    assert.match(upstream.metadata.patient_id, /^\[FIELD:[0-9a-f]{8}\]$/);
    assert.deepEqual(masked.report.map((e) => [e.rule, e.detector, e.where]), [
      ['pci', 'card', ['audit', 'upstream']], ['contacts', 'email', ['audit']], ['default-audit', 'api-key', ['audit']], ['patient', 'field', ['audit', 'upstream']],
    ]);
    assert.ok(!JSON.stringify(masked.report).includes('4111'));
  });

  it('maskRequest: rules the decision does not list do not apply; nothing changed leaves upstreamBody unset', () => {
    const masked = service.maskRequest(input(request, []));
    assert.equal(masked.upstreamBody, undefined);
    assert.equal((masked.auditBody as typeof request).messages[0].content, 'card 4111 1111 1111 1111, mail a@b.io, key [REDACTED:API-KEY]');
  });

  it('maskRequest: a body over the audit bound is stored as its serialization cut at the bound, serialized no further (a big prompt)', () => {
    const big = { model: 'gpt-4o', messages: [{ role: 'user', content: 'a long prompt, mail a@b.io. '.repeat(40_000) }] };
    const request = input(big, []);
    const { result: masked, longest } = longestSerialization(() => service.maskRequest(request));
    assert.deepEqual(masked.auditBody, { truncated: true, bytes: Buffer.byteLength(JSON.stringify(big)), text: JSON.stringify(big).slice(0, 4096) });
    assert.ok(longest <= 4096 + 2, `longest serialization: ${longest} characters of ${JSON.stringify(big).length}`);
  });

  it('maskRequest: a big masked prompt goes upstream and into the audit copy without being serialized whole (issue 23)', () => {
    // One rule that masks upstream with every detector the default audit masking runs: one copy serves both.
    const pii = compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'test' });
    const same = createMaskingService({ maxAuditBodyBytes: 4096 }, { getCompiled: () => pii, log: silentLogger });
    const prompt = 'a long prompt \u{1F600}, mail a@b.io or call +1 415 555 0100.\n'.repeat(40_000);
    const big = { model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] };
    const request = input(big, ['pii']);
    const { result: masked, longest } = longestSerialization(() => same.maskRequest(request));
    const expected = { ...big, messages: [{ role: 'user', content: maskText(prompt, pii, { where: 'upstream', ruleNames: ['pii'], path: '$.messages[0].content' }).value }] };
    assert.ok(expected.messages[0].content.includes('[REDACTED:EMAIL]') && !expected.messages[0].content.includes('a@b.io'));
    assert.deepEqual(masked.upstreamBody, Buffer.from(JSON.stringify(expected)));
    assert.deepEqual(masked.auditBody, { truncated: true, bytes: request.body.length, text: JSON.stringify(expected).slice(0, 4096) });
    assert.ok(longest <= 100_000, `longest serialization: ${longest} characters of ${masked.upstreamBody!.length} bytes`);
  });

  it('maskRequest: when the copy sent upstream is the audit copy, its bytes are the audit copy\'s JSON text too (issue 23: serialized once)', () => {
    const pii = compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'test' });
    const same = createMaskingService({ maxAuditBodyBytes: 4096 }, { getCompiled: () => pii, log: silentLogger });
    const masked = same.maskRequest(input(request, ['pii']));
    assert.ok(masked.upstreamBody && masked.auditJson === masked.upstreamBody, 'the very bytes sent upstream');
    assert.deepEqual(masked.auditJson, Buffer.from(JSON.stringify(masked.auditBody)));
    // Copies apart (the audit masks more than the upstream), or a body over the audit bound: nothing to share.
    assert.equal(service.maskRequest(input(request, ['pci', 'contacts'])).auditJson, undefined);
    const big = { model: 'gpt-4o', messages: [{ role: 'user', content: 'mail a@b.io. '.repeat(1000) }] };
    const cut = same.maskRequest(input(big, ['pii']));
    assert.ok(cut.upstreamBody && (cut.auditBody as { truncated: boolean }).truncated);
    assert.equal(cut.auditJson, undefined);
  });

  it('responseMasker JSON: when the client\'s masked copy is the audit copy, the bytes the client gets are its JSON text', () => {
    const pii = compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['client'] }], { hashKey: 'test' });
    const m = createMaskingService({}, { getCompiled: () => pii, log: silentLogger }).responseMasker({ masks: ['pii'] }, 'application/json')!;
    const body = Buffer.from(JSON.stringify({ choices: [{ message: { content: 'write to a@b.io' } }] }));
    const out = Buffer.concat([m.push(body), m.end()]);
    const audit = m.audit();
    assert.deepEqual(audit.json, out);
    assert.deepEqual(audit.json, Buffer.from(JSON.stringify(audit.body)));
    // Nothing masked for the client: nothing serialized, nothing to share.
    const plain = createMaskingService({}, { getCompiled: () => pii, log: silentLogger }).responseMasker({ masks: ['pii'] }, 'application/json')!;
    plain.push(Buffer.from('{"choices":[]}'));
    plain.end();
    assert.equal(plain.audit().json, undefined);
  });

  it('responseMasker JSON: masked for the client where rules say client; audit copy recorded', () => {
    const m = service.responseMasker({ masks: ['pci', 'contacts'] }, 'application/json; charset=utf-8')!;
    const body = Buffer.from(JSON.stringify({ choices: [{ message: { content: 'card 4111 1111 1111 1111 to a@b.io' } }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
    const out = Buffer.concat([m.push(body.subarray(0, 10)), m.push(body.subarray(10)), m.end()]);
    assert.equal(JSON.parse(out.toString()).choices[0].message.content, 'card [REDACTED:CARD] to a@b.io');
    const audit = m.audit();
    assert.equal((audit.body as { choices: { message: { content: string } }[] }).choices[0].message.content, 'card [REDACTED:CARD] to [REDACTED:EMAIL]');
    assert.deepEqual(audit.report.map((e) => [e.part, e.rule, e.detector, e.where]), [['response', 'pci', 'card', ['audit', 'client']]]);
  });

  it('responseMasker JSON without client rules streams through and bounds the audit copy', () => {
    const m = service.responseMasker({ masks: ['contacts'] }, 'application/json')!;
    const big = Buffer.from(JSON.stringify({ text: 'a@b.io '.repeat(1000) }));
    assert.equal(m.push(big), big);
    assert.equal(m.end().length, 0);
    assert.equal(m.audit().truncated, true);
    assert.ok(!String(m.audit().body).includes('a@b.io'));
  });

  it('responseMasker SSE: client masking inline, audit text masked', () => {
    const m = service.responseMasker({ masks: ['pci', 'contacts'] }, 'text/event-stream')!;
    const ev = (content: string) => `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const out = [m.push(Buffer.from(ev('pay 4111 1111 '))), m.push(Buffer.from(ev('1111 1111 and mail a@b.io'))), m.push(Buffer.from('data: {"id":"c","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}}\n\ndata: [DONE]\n\n')), m.end()]
      .map((b) => b.toString()).join('');
    assert.ok(!out.includes('4111'), out);
    assert.ok(out.includes('a@b.io'), 'email is masked for audit only');
    assert.deepEqual(m.audit().body, { stream: true, texts: [{ path: '$.choices[0].message.content', text: 'pay [REDACTED:CARD] and mail [REDACTED:EMAIL]' }] });
  });

  it('responseMasker: binary content types are left alone', () => {
    assert.equal(service.responseMasker({ masks: [] }, 'audio/mpeg'), null);
  });

  it('hash key from a 0600 file; a group-readable file is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-mask-'));
    writeFileSync(join(dir, 'key'), 'file-secret\n');
    chmodSync(join(dir, 'key'), 0o600);
    assert.equal(maskingCompileOptions({ hashKey: { file: 'key' } }, dir).hashKey, 'file-secret');
    chmodSync(join(dir, 'key'), 0o640);
    assert.throws(() => maskingCompileOptions({ hashKey: { file: 'key' } }, dir), /chmod 600/);
  });
});

describe('config masking.phoneRegions', () => {
  const phone = (regions: string[] | undefined, text: string) => {
    const c = compileMaskingRules([{ name: 'p', detectors: ['phone'] }], { ...maskingCompileOptions(regions ? { phoneRegions: regions } : undefined), auditDetectors: [] });
    return maskText(text, c, { where: 'upstream' }).value;
  };

  it('decides which national formats the phone detector knows (default US, GB, DE, FR, IN)', () => {
    assert.equal(phone(undefined, 'tel 01 23 45 67 89'), 'tel [REDACTED:PHONE]');
    assert.equal(phone(['US'], 'tel 01 23 45 67 89'), 'tel 01 23 45 67 89');
    assert.equal(phone(['IT'], 'tel 06 1234 5678'), 'tel [REDACTED:PHONE]');
  });

  it('refuses a region without a numbering plan at load, at its line', () => {
    const text = 'upstreams:\n  - name: openai\n    url: https://api.openai.com\nmasking:\n  phoneRegions: [FR, XX]\n';
    assert.throws(() => parseConfigText(text, 'gatehouse.yaml'), /gatehouse\.yaml:5:\d+: error: \/masking\/phoneRegions\/1 unknown phone region "XX"/);
    assert.throws(() => parseConfigText(text.replace('XX', 'fr'), 'gatehouse.yaml'), /\/masking\/phoneRegions\/1 must match pattern/);
  });
});
