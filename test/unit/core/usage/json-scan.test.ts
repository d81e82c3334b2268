import assert from 'node:assert/strict';
import fc from 'fast-check';
import { indexOfName } from '../../../../gateway/core/usage/json-scan';

describe('core/usage/json-scan: indexOfName', () => {
  it('finds what indexOf finds with the quote first, from any start (texts of quotes, names and their pieces)', () => {
    const piece = fc.constantFrom('"', 'usage', 'usage"', '"usage', '"usage"', 'sage"', 'u', 'x', ':', 'null', '\\"', 'model"', '"model"');
    const text = fc.array(piece, { maxLength: 30 }).map((p) => p.join(''));
    fc.assert(fc.property(text, fc.integer({ min: -3, max: 200 }), fc.constantFrom('usage"', 'model"'), (s, from, name) => {
      assert.equal(indexOfName(s, name, from), s.indexOf(`"${name}`, from), `${JSON.stringify(s)} from ${from}`);
      assert.equal(indexOfName(s, name), s.indexOf(`"${name}`));
    }), { numRuns: 2000, seed: 23 });
  });

  it('finds the name at the very start and at the very end, and nothing in an empty text', () => {
    assert.equal(indexOfName('"usage":null', 'usage"'), 0);
    assert.equal(indexOfName('{"a":1,"usage"', 'usage"'), 7);
    assert.equal(indexOfName('usage"', 'usage"'), -1);
    assert.equal(indexOfName('', 'usage"'), -1);
    assert.equal(indexOfName('"usage"', 'usage"', 1), -1);
  });
});
