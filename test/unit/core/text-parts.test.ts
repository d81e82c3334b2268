import assert from 'node:assert/strict';
import { TextParts } from '../../../gateway/core/text-parts';

describe('core/TextParts', () => {
  it('reads back the parts in order, whatever their number, and counts their characters', () => {
    for (const count of [0, 1, 15, 16, 17, 255, 256, 257, 1000]) {
      const t = new TextParts();
      const parts = Array.from({ length: count }, (_, i) => (i % 7 === 0 ? '' : `p${i}é `));
      for (const p of parts) t.push(p);
      assert.equal(t.text(), parts.join(''), `${count} parts`);
      assert.equal(t.length, parts.join('').length);
    }
  });
});
