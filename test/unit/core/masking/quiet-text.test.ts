import assert from 'node:assert/strict';
import { builtinDetectorNames } from '../../../../gateway/core/masking/detectors';
import { quietAfter } from '../../../../gateway/core/masking/quiet-text';
import { createScanner } from '../../../../gateway/core/masking/scanner';
import { createCorpus } from '../../../corpus/generator';

/**
 * quietAfter lets a stream masker skip the scan: it must never say "quiet" when the scanner
 * would find a detection ending after `from`. Checked against the real scanner at every cut of
 * the corpus texts and of values built to sit at the edges of each rule (letter-only tokens,
 * an IBAN ending in capitals, secrets assigned after spaces, an unfinished PEM block).
 */
describe('core/masking quietAfter', () => {
  const scanner = createScanner(builtinDetectorNames, []);
  const edges = [
    'Authorization: Bearer abcdefghijklmnopqrstuvwxyz and more',
    'the key AKIAABCDEFGHIJKLMNOP was leaked',
    'pay to MU17 BOMM 0101 1010 3030 0200 000M UR today, or SC18 SSCB 1101 0000 0000 0000 1497 USD',
    'password:    hunterhunter then api_key="abcdefghij", secret =\tqwertyuiop and pwd:abcdefgh.',
    'key -----BEGIN PRIVATE KEY-----\nMIIEabc def ghi jkl',
    'KEY="-----BEGIN PRIVATE KEY-----\\nMIIEabc\\ndefghi\\n-----END PRIVATE KEY-----" and after it',
    'write to ab@cd.io now or to x@y.example.org.',
    'addr fe80::1 and 2001:db8::ff00:42:8329 at 12:30:45',
    'token ghp_abcdefghijklmnopqrstuvwxyzabcdefghij and xoxb-abcdefghij and sk-abcdefghijklmnopqrstuvwxyz',
    'slack xapp-1-Aabcdefghij-abcdefghijklm-abcdefabcdef and glpat-abcdefghijklmnopqrst, hf_abcdefghijklmnopqrstuvwxyzabcdefgh or whsec_abcdefghijklmnopqrstuvwxyzabcdef',
    'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c end',
    'card 4111 1111 1111 1111, ssn 123-45-6789, call +1 (415) 555-2671 or 415.555.2671, host 10.0.0.1',
    'iban DE89 3704 0044 0532 0130 00 and AWS secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ok',
    'The API and the SSL cert; I said OK. Thanks, see you tomorrow.',
  ];
  const texts = [...edges];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') texts.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
  };
  for (const item of createCorpus(4242, 120)) collect(item.body);

  it(`is never quiet where the scanner finds a value ending later (every cut of ${texts.length} texts)`, () => {
    let cuts = 0;
    let quiet = 0;
    const check = (text: string) => {
      // With member names that open context (the aws-secret pass then scans the whole text) too.
      const lastEnd = Math.max(-1, ...scanner.scan(text).map((d) => d.end), ...scanner.scan(text, 'customer ssn phone aws_secret_access_key').map((d) => d.end));
      for (let from = 0; from <= text.length; from++) {
        cuts++;
        if (!quietAfter(text, from)) continue;
        quiet++;
        assert.ok(lastEnd <= from, `quiet at ${from} but a detection ends at ${lastEnd}: ${JSON.stringify(text)}`);
      }
    };
    for (const [i, whole] of texts.entries()) {
      // A stream scans a short buffer (kept context + new text) that may end anywhere: windows of
      // long texts, each cut at many ends (every end for the edge cases).
      for (let w = 0; w < whole.length; w += 150) {
        const window = whole.slice(Math.max(0, w - 64), w + 150);
        for (let end = window.length; end > 0; end -= i < edges.length ? 1 : 13) check(window.slice(0, end));
      }
    }
    console.log(`      quiet at ${quiet} of ${cuts} cuts`);
    // Useful as well as safe: most cuts of prose-heavy bodies are quiet.
    assert.ok(cuts > 500_000 && quiet > cuts * 0.2, `quiet at ${quiet} of ${cuts} cuts`);
  });

  it('answers for each rule', () => {
    const cases: [string, number, boolean][] = [
      ['Thanks, see you tomorrow. And the', 25, true],
      ['call me on 555', 11, false],
      ['mail ab@c', 5, false],
      ['a long word: internationalization', 13, false],
      ['password: hunterhu', 10, false],
      ['password: hunter', 10, true],
      ['see x=abcdef', 4, true],
      ['see x=abcdefg', 4, false],
      ['pay MU17 BOMM 0101 1010 3030 0200 000M UR', 39, false],
      ['The SSL cert.\nOK', 14, true],
      ['-----BEGIN PRIVATE KEY-----\nabc', 28, false],
    ];
    for (const [text, from, want] of cases) assert.equal(quietAfter(text, from), want, `${JSON.stringify(text)} from ${from}`);
  });
});
