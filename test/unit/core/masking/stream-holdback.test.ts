import assert from 'node:assert/strict';
import { riskyTailStart } from '../../../../gateway/core/masking/stream-holdback';
import { createCorpus } from '../../../corpus/generator';

/**
 * StreamTextMasker looks for the risky tail in the unreleased text alone (no copy of the released
 * context): that is only sound because riskyTailStart never reads before `from`.
 */
describe('core/masking riskyTailStart', () => {
  const texts: string[] = [
    'card 4111 1111 1111 1111 and +1 (415) 555-',
    'key: -----BEGIN RSA PRIVATE KEY-----\nMIIE -----END RSA PRIVATE KEY----- then -----BEGIN EC PRIVATE KEY-----\nab',
    'DE89 3704 0044 0532 0130 00 mail john.d',
  ];
  const strings = (v: unknown): void => {
    if (typeof v === 'string') texts.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x);
  };
  for (const item of createCorpus(777, 60)) strings(item.body);

  it(`depends only on buf[from..]: equal on the suffix, over every cut of ${texts.length} texts`, () => {
    let cuts = 0;
    for (const text of texts) {
      for (const custom of [false, true]) {
        for (let from = 0; from <= text.length; from += 3) {
          const end = Math.min(text.length, from + 120);
          const buf = text.slice(0, end);
          assert.equal(riskyTailStart(buf, from, custom), from + riskyTailStart(buf.slice(from), 0, custom), `${JSON.stringify(buf)} from ${from}`);
          cuts++;
        }
      }
    }
    assert.ok(cuts > 1000);
  });

  it('holds the last unfinished PEM block, not an earlier finished one', () => {
    const t = 'a -----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY----- b -----BEGIN EC PRIVATE KEY-----\nab';
    assert.equal(riskyTailStart(t, 0, false), t.lastIndexOf('-----BEGIN'));
    const done = `${t}\n-----END EC PRIVATE KEY----- ok `;
    assert.equal(riskyTailStart(done, 0, false), done.length, 'both blocks finished: nothing held');
  });
});
