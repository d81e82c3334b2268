import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { arrivalFields } from '../../../gateway/audit/record-builder';
import { RecordChain } from '../../../gateway/audit/record-chain';
import { GENESIS_HASH } from '../../../gateway/core/audit/hash-record';
import { readRecordLine } from '../../../gateway/core/audit/record-line';
import { bodyText } from '../../../gateway/core/body-text';
import { compileMaskingRules } from '../../../gateway/core/masking/compile';
import { SerializedValue } from '../../../gateway/core/serialized-value';
import { silentLogger } from '../../../gateway/log';
import { createMaskingService } from '../../../gateway/masking/masking-service';
import type { ExchangeRecord } from '../../../gateway/runtime';

/**
 * The arrival record takes the masked body's JSON text that masking already made for the upstream
 * (issue 23) instead of serializing the body again. The property: for any body a client may send,
 * the line written that way is byte for byte the line the old path writes (the body serialized by
 * the record's own JSON.stringify), one line of valid UTF-8 that the verifier reads as intact.
 */

// A client's JSON text, written the many ways RFC 8259 allows: whitespace (newlines too) between
// tokens, any character raw or escaped (lone surrogates included), numbers in any form (1e400, -0,
// 1.0, 1E2), repeated member names, integer-like names (JSON.parse moves them first), deep nesting,
// strings long enough to be masked in pieces, and the values the masking detectors find.
const ws = fc.constantFrom('', '', '', ' ', '\n', '\r\n', '\t ');
const pii = ['jane.doe@example.com', '+1 415 555 0100', '4111 1111 1111 1111', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234', 'DE89 3704 0044 0532 0130 00', 'words'];
const raw = (s: string) => s.replace(/["\\\u0000-\u001f]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
const hex4 = (u: number, upper: boolean) => `\\u${u.toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`;
const char = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).map(raw),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.boolean()).map(([u, upper]) => hex4(u, upper)),
  fc.constantFrom('\\/', '\\n', '\\"', '\\\\', '\\b', '\\f', '\\r', '\\t', '\\ud83d\\ude00', '\\ud800', '\\udc00', 'é', '東', '\u{1F600}', '\u2028'),
  fc.constantFrom(...pii).map((p) => ` ${p} `),
);
// Past jsonBytes' 16,384 characters a string is written from its masked pieces (maskedParts).
const long = ` mail a@b.io or +1 415 555 0100 \\u00e9 \\ud83d\\ude00 "q"\\n `.replace(/"/g, '\\"').repeat(500);
const str = fc.oneof({ weight: 20, arbitrary: fc.array(char, { maxLength: 12 }).map((cs) => `"${cs.join('')}"`) }, { weight: 1, arbitrary: fc.constant(`"${long}"`) });
const num = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '-0', '1.0', '1E2', '0.1', '1e-7', '123456789012345678901234', '-0.0', '5e-324', '1.7976931348623157e308', '1e21', '1.5E+3', '0', '100'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
);
const name = fc.oneof(str, fc.constantFrom('"model"', '"messages"', '"content"', '"a"', '"1"', '"10"', '"\\u0061"'));
const { value } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, num, fc.constantFrom('true', 'false', 'null'), str, tie('array'), tie('object')),
  array: fc.tuple(fc.array(fc.tuple(ws, tie('value'), ws), { maxLength: 4 }), ws).map(([vs, w]) => (vs.length ? `[${vs.map((v) => v.join('')).join(',')}]` : `[${w}]`)),
  object: fc.array(fc.tuple(ws, name, ws, ws, tie('value'), ws), { maxLength: 4 }).map((ms) => `{${ms.map(([a, n, b, c, v, d]) => `${a}${n}${b}:${c}${v}${d}`).join(',')}}`),
}));
const chatBody = fc.tuple(ws, str, value, ws).map(([w, content, extra, end]) => `${w}{"model":"gpt-4o-mini",${w}"messages":[{"role":"user","content":${content}}],"extra":${extra}}${end}`);
const deep = fc.tuple(fc.integer({ min: 50, max: 400 }), value).map(([d, v]) => `${'{"a":['.repeat(d)}${v}${']}'.repeat(d)}`);
const clientText = fc.oneof({ weight: 4, arbitrary: chatBody }, { weight: 2, arbitrary: value }, { weight: 1, arbitrary: deep });

const maskings = {
  // One rule masking upstream with every detector: the upstream copy is the audit copy (core/masking/same-copy.ts).
  'the upstream copy is the audit copy': compileMaskingRules([{ name: 'pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'test' }),
  'upstream and audit copies apart': compileMaskingRules([{ name: 'cards', detectors: ['card'], where: ['upstream'] }, { name: 'contacts', detectors: ['email'], where: ['audit'] }], { hashKey: 'test' }),
  'no rule but the default audit masking': compileMaskingRules([], { hashKey: 'test' }),
};

/** The request record as the audit reads it, for a body read as read-body.ts reads it and masked by the real masking service. */
function exchange(body: Buffer, masked: { auditBody: unknown; auditJson?: Buffer; report: ExchangeRecord['maskReport'] }, withJson: boolean): ExchangeRecord {
  return {
    id: 'req-1', receivedAt: 1_700_000_000_000, startNs: 0n, path: '/v1/chat/completions',
    req: { headers: { 'user-agent': 'test' }, method: 'POST', url: '/v1/chat/completions', socket: { remoteAddress: '127.0.0.1' } } as unknown as ExchangeRecord['req'],
    body, auditRequestBody: masked.auditBody, auditRequestJson: withJson ? masked.auditJson : undefined, maskReport: masked.report,
    outcome: { responseBytes: 0, clientAborted: false },
  };
}

describe('audit: the arrival record embeds the masked body as the bytes sent upstream', function () {
  this.timeout(120_000);

  for (const [label, compiled] of Object.entries(maskings)) {
    it(`writes the line the body's own serialization gives, for any client body: ${label}`, () => {
      // How often each way was taken: the bytes embedded, a lone surrogate's fallback to the I-JSON form, a cut from the bytes.
      let embedded = 0;
      let surrogate = 0;
      let cut = 0;
      let runs = 0;
      fc.assert(
        fc.property(clientText, fc.constantFrom(262_144, 300), fc.constantFrom(65_536, 120), (text, maskingBound, recordBound) => {
          runs++;
          const body = Buffer.from(text);
          const json = JSON.parse(bodyText(body));
          const service = createMaskingService({ maxAuditBodyBytes: maskingBound }, { getCompiled: () => compiled, log: silentLogger });
          const masked = service.maskRequest({ masks: undefined, body, json });
          if (masked.auditJson) {
            // Paired only with the copy that was serialized for the upstream, and it is that copy's serialization.
            assert.equal(masked.auditJson, masked.upstreamBody);
            assert.deepEqual(masked.auditJson, Buffer.from(JSON.stringify(masked.auditBody)));
          }
          if (label === 'the upstream copy is the audit copy' && masked.upstreamBody && masked.auditBody !== null && typeof masked.auditBody === 'object' && !('truncated' in masked.auditBody)) {
            assert.ok(masked.auditJson, 'the masked copy sent upstream is the audit copy: its bytes serve the record');
          }
          const before = arrivalFields(exchange(body, masked, false), recordBound);
          const after = arrivalFields(exchange(body, masked, true), recordBound);
          if (after.requestBody instanceof SerializedValue) {
            if (after.requestBody.json.includes('\\ud')) surrogate++;
            else embedded++;
          } else if (masked.auditJson && after.requestBodyTruncated) cut++;
          const old = new RecordChain('chain-1', { seq: 0, hash: GENESIS_HASH }, undefined).next({ ...before, id: 'rec-1' }, 1_700_000_000_001);
          const now = new RecordChain('chain-1', { seq: 0, hash: GENESIS_HASH }, undefined).next({ ...after, id: 'rec-1' }, 1_700_000_000_001);
          assert.deepEqual(now.data, old.data);
          assert.equal(now.record.hash, old.record.hash);
          assert.equal(now.bytes, now.data.length);
          // One line of valid UTF-8, intact to the verifier, whose requestBody is the masked body.
          assert.ok(isUtf8(now.data));
          const line = now.data.toString('utf8');
          assert.equal(line.indexOf('\n'), line.length - 1);
          assert.ok(!line.includes('\r'));
          const read = readRecordLine(line.slice(0, -1));
          assert.ok(!('malformed' in read), JSON.stringify(read));
          assert.equal(read.problem, undefined);
          assert.equal(read.computed, read.hash);
          // The writer's copy of the record holds the value, as before (events and callers read it).
          assert.deepEqual(now.record, old.record);
        }),
        { numRuns: 400 },
      );
      if (label === 'the upstream copy is the audit copy') {
        assert.ok(embedded > runs / 10, `bytes embedded in ${embedded} of ${runs} runs`);
        assert.ok(surrogate > 0 && cut > 0, `a lone surrogate in ${surrogate}, cut from the bytes in ${cut} of ${runs} runs`);
      } else assert.equal(embedded + surrogate + cut, 0, 'nothing serialized for the upstream is the audit copy');
    });
  }
});

describe('audit: a truncated audit copy keeps only what the record stores', function () {
  this.timeout(120_000);

  // Past the masking bound the audit copy is a truncated text (masking-service.ts boundAudit); the
  // record cuts its serialization to audit.maxBodyBytes, so a text kept no longer than that gives
  // the same line (issue 23: the 256 KB text of a big prompt was joined for the record's 64 KB).
  for (const [label, compiled] of Object.entries(maskings)) {
    it(`writes the same arrival line with the text cut at the record's bound, for any client body: ${label}`, () => {
      let shortened = 0;
      fc.assert(
        fc.property(clientText, fc.constantFrom(262_144, 300, 2000), fc.constantFrom(65_536, 120, 299, 300, 301, 5000), (text, maskingBound, recordBound) => {
          const body = Buffer.from(text);
          const json = JSON.parse(bodyText(body));
          const whole = createMaskingService({ maxAuditBodyBytes: maskingBound }, { getCompiled: () => compiled, log: silentLogger }).maskRequest({ masks: undefined, body, json });
          const kept = createMaskingService({ maxAuditBodyBytes: maskingBound }, { getCompiled: () => compiled, log: silentLogger, recordBodyBytes: recordBound }).maskRequest({ masks: undefined, body, json });
          const copy = kept.auditBody as { truncated?: boolean; text?: string } | null;
          if (copy !== null && typeof copy === 'object' && copy.truncated === true && typeof copy.text === 'string') {
            assert.ok(copy.text.length <= Math.min(maskingBound, recordBound), `text of ${copy.text.length} characters kept`);
            if (copy.text.length < (whole.auditBody as { text: string }).text.length) shortened++;
          } else assert.deepEqual(kept.auditBody, whole.auditBody);
          const before = arrivalFields(exchange(body, whole, true), recordBound);
          const after = arrivalFields(exchange(body, kept, true), recordBound);
          const old = new RecordChain('chain-1', { seq: 0, hash: GENESIS_HASH }, undefined).next({ ...before, id: 'rec-1' }, 1_700_000_000_001);
          const now = new RecordChain('chain-1', { seq: 0, hash: GENESIS_HASH }, undefined).next({ ...after, id: 'rec-1' }, 1_700_000_000_001);
          assert.deepEqual(now.data, old.data);
        }),
        { numRuns: 300 },
      );
      assert.ok(shortened > 0, `a shorter text kept in ${shortened} runs`);
    });
  }
});
