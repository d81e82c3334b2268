import assert from 'node:assert/strict';
import fc from 'fast-check';
import { literalKeyPieces, literalKeyTrigger, literalTriggerMinLength, passes } from '../../../../gateway/core/masking/passes';
import { createScanner } from '../../../../gateway/core/masking/scanner';
import { segmentBoundary } from '../../../../gateway/core/masking/segment-bound';
import { keyToken } from '../../../helpers/key-formats';

/**
 * On a text under 16 KB the literal pass (keys and tokens) runs only when the text holds one of
 * the pieces every key or token has (passes.ts `literalKeyTrigger`). These tests hold the pass to
 * the same pass without the trigger, on texts built from every format in prose, and check that
 * each piece is needed: for each, some text holds a key that only that piece announces.
 */
const literalDetectors = ['pem', 'bearer', 'jwt', 'api-key', 'github-token', 'aws-key'] as const;
const triggered = createScanner(literalDetectors, []);
const plain = createScanner(literalDetectors, [], {}, passes.map((p) => (p.name === 'literal' ? { ...p, trigger: undefined } : p)));

// Prose that holds none of the pieces: what the trigger lets by is the keys' doing.
const prose = fc.constantFrom(
  'The deploy pipeline now runs the integration suite before the canary. ', 'state of the art ', 'see https://example.com/a/path ',
  'Authorization: ', 'token: ', '| 2026-03-14 | ledger api | ', 'aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ= ', 'x', 'A', '"', '\n', '\\n', ' ', '\t', '/', '=', '.', '-', ':',
);
// Texts past the length from which the trigger is asked, and some shorter ones (scanned outright).
const filler = 'Open risks: the replica lag alarm fires late. ';
const text = fc.tuple(fc.array(prose, { maxLength: 12 }), fc.option(keyToken, { freq: 4 }), fc.array(prose, { maxLength: 12 }), fc.constantFrom(0, literalTriggerMinLength, 600))
  .map(([before, key, after, pad]) => {
    let t = `${before.join('')}${key ?? ''}${after.join('')}`;
    while (t.length < pad) t = `${filler}${t}${filler}`;
    return t;
  });

/** Which of the trigger's tests fire on a text (as long as the trigger asks): each piece, and the AWS prefixes' 'A..A'. */
function firing(t: string): string[] {
  const fired = literalKeyPieces.filter((p) => t.includes(p));
  if (literalKeyTrigger([]).test(t.padEnd(literalTriggerMinLength))) fired.push('A..A');
  return fired;
}

describe('core/masking literal pass: the trigger on texts under 16 KB', () => {
  it('finds what the pass without it finds, on texts built from every key and token format', () => {
    let found = 0;
    fc.assert(fc.property(text, (t) => {
      const got = triggered.scan(t);
      assert.deepEqual(got, plain.scan(t));
      found += got.length;
    }), { numRuns: 6000, seed: 4242 });
    assert.ok(found > 2000, `the texts hold keys and tokens (${found})`);
  });

  it('finds the same in a batch, where strings meet at a boundary', () => {
    fc.assert(fc.property(fc.array(text, { minLength: 2, maxLength: 5 }), (ts) => {
      const joined = ts.join(segmentBoundary);
      assert.deepEqual(triggered.scan(joined), plain.scan(joined));
    }), { numRuns: 1000, seed: 4243 });
  });

  it('needs each of its pieces: without any one, a key is missed', () => {
    const needed = new Set<string>();
    fc.assert(fc.property(text, (t) => {
      const fired = firing(t);
      if (fired.length === 1 && plain.scan(t).length > 0) needed.add(fired[0]);
    }), { numRuns: 6000, seed: 4244 });
    assert.deepEqual([...needed].sort(), [...literalKeyPieces, 'A..A'].sort());
  });

  it('lets prose by without the scan, and stops at a key', () => {
    const trigger = literalKeyTrigger();
    const prompt = 'Our quarterly review covers the migration of the billing service to the new cluster, the on-call rotation. Reach jane.doe@example.com or +1 415 555 0100. ';
    assert.equal(trigger.test(prompt.repeat(25)), false);
    for (const key of ['AKIAIOSFODNN7EXAMPLE', 'Bearer abcdefghijklmnopqrstuvwx', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx', 'hooks.slack.com/services/T0123456/B0123456/abcdefgh']) {
      assert.equal(trigger.test(`${prompt.repeat(3)}${key}`), true, key);
    }
    // A short text (a stream's window) is scanned outright, whatever it holds.
    assert.equal(trigger.test(prompt.slice(0, literalTriggerMinLength - 1)), true);
  });
});
