import assert from 'node:assert/strict';
import { maskEachString } from '../../../builders/mask-each-string';
import fc from 'fast-check';
import { compileMaskingRules } from '../../../../gateway/core/masking/compile';
import { maskJson } from '../../../../gateway/core/masking/mask-json';
import { maskText } from '../../../../gateway/core/masking/mask-text';

/**
 * maskJson scans the strings of a body in one pass (joined at boundaries no detector can match
 * or look across). It must mask each string exactly as masking that string alone, at its path,
 * does: no value may run from one string into the next, and no context word may reach past one.
 */
describe('core/masking batched scan: each string as if alone', () => {
  const setups: [string, ReturnType<typeof compileMaskingRules>][] = [
    ['all detectors', compileMaskingRules([{ name: 'all', detectors: ['all'] }], { hashKey: 'k', auditDetectors: [] })],
    ['low confidence (0.2) kept', compileMaskingRules([{ name: 'low', detectors: ['all'], minConfidence: 0.2 }], { hashKey: 'k', auditDetectors: [] })],
    ['custom detectors (greedy, anchored, with context)', compileMaskingRules([{
      name: 'ids', detectors: ['email', 'secret'], custom: [
        { name: 'ref', pattern: 'REF[^,;]{6,}', confidence: 0.9 },
        { name: 'token', pattern: '\\S{24,}', confidence: 0.9 },
        { name: 'whole-number', pattern: '^\\d{6,}$', confidence: 0.9 },
        { name: 'member', pattern: 'M\\d{6}', confidence: 0.3, context: ['member', 'customer'] },
      ],
    }], { hashKey: 'k', auditDetectors: [] })],
  ];


  it('issue 16: a secret assignment does not hide the card in the next string', () => {
    const [, all] = setups[0];
    const r = maskJson({ a: 'x-api-key: abcdefghijklmnopqrstuvwxyz0123456789', b: '4111111111111111' }, all, { where: 'upstream' });
    assert.deepEqual(r.value, { a: 'x-api-key: [REDACTED:SECRET]', b: '[REDACTED:CARD]' });
  });

  it('context words of one string do not count for the next', () => {
    const [, all] = setups[0];
    const r = maskJson({ a: 'my ssn is', b: '876729346', c: 'AWS secret access key', d: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, all, { where: 'upstream' });
    assert.equal(r.changed, false, JSON.stringify(r.value));
  });

  // Strings like the corpus's, and the pieces that could run into a neighbour: assignments with
  // no value yet, unfinished PEMs (real and literal line breaks), values at both ends.
  const fragment = fc.constantFrom(
    'x-api-key: abcdefghijklmnopqrstuvwxyz0123456789', 'password: hunter2hunter2', 'api_key=', 'secret_key: ', '"client_secret":"',
    '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----',
    '-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7bq\\n-----END RSA PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----\nMIIEvQIB', '-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEE',
    '4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '4179 0037 0970 0996', 'jo.doe@example.com', 'me@', '@example.org',
    '876729346', '123-45-6789', '040 6393551', '+44 20 7946 0958', '(415) 555-2671', 'DE89 3704 0044 0532 0130 00', 'SE84 4215 9376 4599 4332 1777',
    '10.0.0.1', '2001:db8::ff00:42:8329', 'fe80:', 'AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234',
    'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'Bearer abc123def456ghi789jkl', 'REF-2024-00042', 'M123456', 'member', 'ssn', 'phone', 'call me on', 'aws secret', 'tel:', 'Thanks!', 'order 12', '',
  );
  const glue = fc.constantFrom('', ' ', ': ', '=', '\n', ', ', '\\n', '"');
  const text = fc.array(fc.tuple(fragment, glue), { minLength: 1, maxLength: 4 }).map((parts) => parts.map(([f, g]) => f + g).join(''));
  const key = fc.constantFrom('a', 'b', 'note', 'content', 'ssn', 'phone', 'phone_number', 'customerPhone', 'aws_secret_access_key', 'secretAccessKey', 'tool_calls', 'order_number', 'member', 'billing', 'card_number', 'SSN', 'x-api-key');
  const leaf = fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.constantFrom(4111111111111111, 876729346, 1234567890123) });
  const body = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array')),
    object: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
    array: fc.array(tie('node'), { maxLength: 4 }),
  })).object.map((o) => JSON.parse(JSON.stringify(o)) as unknown); // bodies come from JSON.parse

  for (const [name, compiled] of setups) {
    it(`${name}: random bodies mask as their strings alone do`, () => {
      let masked = 0;
      fc.assert(fc.property(body, (b) => {
        const r = maskJson(b, compiled, { where: 'upstream' });
        assert.deepEqual(r.value, maskEachString(b, (s, path) => maskText(s, compiled, { where: 'upstream', path }).value));
        masked += r.spans.length;
      }), { numRuns: 400, seed: 1616 });
      assert.ok(masked > 400, `the bodies hold values (${masked} masked)`);
    });
  }
});
