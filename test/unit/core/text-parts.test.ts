import assert from 'node:assert/strict';
import { TextParts } from '../../../gateway/core/text-parts';
import { heapAfterGc } from '../../helpers/heap';

describe('core/TextParts', () => {
  it('reads back the parts in order, whatever their number, and counts their characters', () => {
    // Around each size at which parts are joined (8, 64, 512, 4096) and the list grows.
    for (const count of [0, 1, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 257, 511, 512, 513, 1000, 4095, 4096, 4097, 5000]) {
      const t = new TextParts();
      const parts = Array.from({ length: count }, (_, i) => (i % 7 === 0 ? '' : `p${i}é `));
      for (const p of parts) t.push(p);
      assert.equal(t.text(), parts.join(''), `${count} parts`);
      assert.equal(t.length, parts.join('').length);
    }
  });

  // A stream keeps a TextParts or two for its life (the audit copy's raw text, the usage
  // reader's text), thousands of streams at once: what one keeps after a stream's first events
  // and after twenty.
  it('keeps little for a few parts: a list with room for a few, not the 17 of a first push', () => {
    const n = 10_000;
    const parts = Array.from({ length: 20 }, (_, i) => `tok${i} `);
    const kept: TextParts[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) {
      const t = (kept[i] = new TextParts());
      for (let k = 0; k < 3; k++) t.push(parts[k]);
    }
    // Before: ≈ 232 B (the list's room for 17 is 152 B); after ≈ 138.
    const afterThree = (heapAfterGc() - before) / n;
    for (const t of kept) for (let k = 3; k < 20; k++) t.push(parts[k]);
    // Twenty parts: two joined runs of 8 and four parts, room for 8. Before: one run of 16, four
    // parts, room for 17: ≈ 336 B; after ≈ 289.
    const afterTwenty = (heapAfterGc() - before) / n;
    assert.ok(afterThree < 180, `a TextParts of 3 parts keeps ${afterThree.toFixed(0)} B (bound 180)`);
    assert.ok(afterTwenty < 315, `a TextParts of 20 parts keeps ${afterTwenty.toFixed(0)} B (bound 315)`);
    assert.equal(kept[0].text(), parts.join(''));
  });
  // The usage reader makes a new one when the stream's usage arrives (what it kept can go): an
  // empty TextParts, made at a stream's end, lives on to the record's sync.
  it('keeps no list before its first part', () => {
    const n = 10_000;
    const kept: TextParts[] = new Array(n);
    const before = heapAfterGc();
    for (let i = 0; i < n; i++) kept[i] = new TextParts();
    // Before: a list with room for 4 made with each, ≈ 137 B per TextParts; after ≈ 73.
    const perEmpty = (heapAfterGc() - before) / n;
    assert.ok(perEmpty < 100, `an empty TextParts keeps ${perEmpty.toFixed(0)} B (bound 100)`);
    assert.equal(kept[0].text(), '');
    kept[0].push('a');
    assert.equal(kept[0].text(), 'a');
    assert.equal(kept[1].text(), '');
  });
});
